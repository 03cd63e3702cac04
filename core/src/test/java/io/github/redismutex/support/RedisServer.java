package io.github.redismutex.support;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Redis server for tests: either a {@code redis-server} process this class started on a free loopback port (and
 * stops by its process id), or an external one named by {@code REDIS_URL} (or a Docker container, only where no
 * binary can be had). Tests get one from {@link RedisExtension}; fault tests ask it for a {@link Dedicated} server,
 * which is always a process of their own, with a data directory of its own (under {@code target/redis-data/}, kept
 * across its restarts, so an AOF survives them). The binary is {@code redis-server} from PATH, else the one in the
 * embedded-redis test jar, so the tests need nothing installed but a JDK and Maven.
 */
public final class RedisServer implements AutoCloseable {
  private static final Pattern COMMAND_STAT = Pattern.compile("^cmdstat_([^:]+):calls=(\\d+)");


  private final String binary; // null for an external server
  private final List<String> extraArgs;
  private final int port;
  private final String externalUri;
  private final AutoCloseable container; // a Testcontainers container, or null
  private final Path logFile;
  private final Path dataDir; // the process's --dir: its AOF and RDB files; null for an external server
  private Process process;
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> admin;

  private RedisServer(String binary, int port, List<String> extraArgs, String externalUri, AutoCloseable container) {
    this.binary = binary;
    this.container = container;
    this.port = port;
    this.extraArgs = List.copyOf(extraArgs);
    this.externalUri = externalUri;
    this.logFile = binary == null ? null : Path.of("target", "redis-" + port + ".log");
    this.dataDir = binary == null ? null : freshDataDir(port);
  }

  private static Path freshDataDir(int port) {
    try {
      Path parent = Files.createDirectories(Path.of("target", "redis-data").toAbsolutePath());
      return Files.createTempDirectory(parent, port + "-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The server tests of one class share: REDIS_URL if set, else a fresh local process, else (no binary for this
   * platform) a Docker container where Docker runs.
   */
  static RedisServer startShared() {
    String url = System.getenv("REDIS_URL");
    if (url != null && !url.isBlank()) {
      return new RedisServer(null, RedisURI.create(url).getPort(), List.of(), url, null);
    }
    if (localBinary() == null && DockerContainers.dockerAvailable()) {
      AutoCloseable container = DockerContainers.startRedis();
      String uri = container.toString();
      return new RedisServer(null, RedisURI.create(uri).getPort(), List.of(), uri, container);
    }
    return startDedicated();
  }

  /** A server process of the caller's own (through {@link Dedicated}, {@link Servers} and the deployments). */
  static RedisServer startDedicated(String... extraArgs) {
    return startDedicated(freePort(), extraArgs);
  }

  /** {@link #startDedicated(String...)} on a given port. */
  static RedisServer startDedicated(int port, String... extraArgs) {
    RedisServer server = new RedisServer(findBinary(), port, List.of(extraArgs), null, null);
    server.start();
    return server;
  }

  public boolean isRunning() {
    return binary == null || (process != null && process.isAlive());
  }

  public String uri() {
    return externalUri != null ? externalUri : "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public long pid() {
    requireOwnProcess();
    return process.pid();
  }

  /** A connection for the test's own look at the server (not through the library). */
  public RedisCommands<String, String> admin() {
    if (admin == null || !admin.isOpen()) {
      adminClient = RedisClient.create(uri());
      admin = adminClient.connect();
    }
    return admin.sync();
  }

  /**
   * How many times Redis ran each command since it started ({@code INFO commandstats}: commands run by scripts
   * count too), without the INFO calls that read it.
   */
  public Map<String, Long> commandCalls() {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : admin().info("commandstats").split("\r?\n")) {
      Matcher stat = COMMAND_STAT.matcher(line);
      if (stat.find() && !stat.group(1).equals("info")) {
        calls.put(stat.group(1), Long.parseLong(stat.group(2)));
      }
    }
    return calls;
  }

  /**
   * Whether the server answers a PING on a new connection within {@code timeout}: false while it is busy in one long
   * command (DEBUG SLEEP), stopped or down.
   */
  public boolean answersPingWithin(Duration timeout) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
      socket.setSoTimeout((int) timeout.toMillis());
      socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] reply = new byte[7];
      int read = socket.getInputStream().read(reply);
      return read > 0 && new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  /** Starts the process (again, on the same port: a restart after {@link #stop} or {@link #kill}). */
  public void start() {
    requireOwnProcess();
    List<String> command = new ArrayList<>(List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no", "--dir",
        dataDir.toString()));
    command.addAll(extraArgs);
    try {
      Files.createDirectories(logFile.getParent());
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + binary + ": " + e.getMessage() + ". " + installHint(), e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IllegalStateException("redis-server on port " + port + " did not start; see " + logFile);
      }
      pause(Duration.ofMillis(10)); // polls the port: a starting process offers nothing else to wait on
    }
  }

  /** Stops the process gracefully (SIGTERM) and waits for it; nothing is saved. */
  public void stop() {
    requireOwnProcess();
    closeAdmin();
    if (process != null && process.isAlive()) {
      process.destroy();
      waitFor();
    }
  }

  /** Kills the process (SIGKILL) and waits for it. */
  public void kill() {
    requireOwnProcess();
    closeAdmin();
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitFor();
    }
  }

  /** Continues the process if it was stopped (SIGSTOP); does nothing if it is not running. */
  public void resume() {
    requireOwnProcess();
    if (process != null && process.isAlive()) {
      signal("CONT");
    }
  }

  /** Sends a signal by process id, e.g. STOP or CONT. */
  public void signal(String signal) {
    Signals.send(pid(), signal);
  }

  @Override
  public void close() {
    if (binary != null) {
      if (process != null && process.isAlive()) {
        signal("CONT"); // a stopped process would ignore SIGKILL's clean-up until continued
      }
      kill();
      try {
        Files.deleteIfExists(dataDir); // only if empty: an AOF is kept for a look after a failure
      } catch (IOException ignored) {
        // not empty, or already gone
      }
    } else {
      closeAdmin();
      if (container != null) {
        try {
          container.close();
        } catch (Exception e) {
          throw new IllegalStateException("cannot stop the Redis container", e);
        }
      }
    }
  }

  private void closeAdmin() {
    if (admin != null) {
      admin.close();
      Clients.shutdown(adminClient);
      admin = null;
    }
  }

  private void waitFor() {
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server " + process.pid() + " did not stop");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void requireOwnProcess() {
    if (binary == null) {
      throw new IllegalStateException("this test needs a redis-server of its own, not the one at REDIS_URL");
    }
  }

  /** redis-server from PATH, else the one in the embedded-redis test jar; fails, saying how to get one, if neither. */
  static String findBinary() {
    String binary = localBinary();
    if (binary == null) {
      throw new IllegalStateException(installHint());
    }
    return binary;
  }

  private static String localBinary() {
    String onPath = binaryOnPath();
    return onPath != null ? onPath : EmbeddedRedisBinary.path().map(Path::toString).orElse(null);
  }

  private static String binaryOnPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static String installHint() {
    return "No redis-server for the tests: none on PATH, and the test-scoped org.signal:embedded-redis jar has no"
        + " Redis " + EmbeddedRedisBinary.VERSION + " binary for " + EmbeddedRedisBinary.platform() + ". Install"
        + " Redis 7 (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis). Without one, only"
        + " the tests that share a server can run: set REDIS_URL=redis://host:port to a running server, or start"
        + " Docker (Testcontainers, redis:7).";
  }

  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void pause(Duration duration) {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
