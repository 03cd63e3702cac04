package io.github.redismutex.spring.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A {@code redis-server} process for the tests, on a free loopback port, stopped by its process id: the binary on
 * PATH, else the static Redis {@value #EMBEDDED_VERSION} build that the test-scoped {@code org.signal:embedded-redis}
 * jar carries at its root (only the binary is used, never the jar's Java API). So the tests need no Redis installed,
 * and never skip for lack of one. A small equivalent of core's test support, whose classes are not on this module's
 * class path.
 */
public final class RedisProcess implements AutoCloseable {
  static final String EMBEDDED_VERSION = "7.0.15";
  private static RedisProcess shared; // started on first use, stopped when the JVM exits
  private static Path extractedBinary;

  private final int port;
  private final Process process;
  private final Path log;

  private RedisProcess(int port, Process process, Path log) {
    this.port = port;
    this.process = process;
    this.log = log;
  }

  /**
   * The server the tests of this JVM share (lock names keep them apart), started on first use. Spring's test
   * contexts are cached to the end of the run, so it stays up until the JVM exits.
   */
  public static synchronized RedisProcess shared() {
    if (shared == null) {
      RedisProcess started = start();
      Runtime.getRuntime().addShutdownHook(new Thread(started::close, "redis-process-stop"));
      shared = started;
    }
    return shared;
  }

  /** A server of the caller's own, e.g. with {@code "--requirepass", "secret"}; the caller closes it. */
  public static RedisProcess start(String... extraArgs) {
    int port = freePort();
    Path log = Path.of("target", "redis-" + port + ".log");
    List<String> command = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind",
        "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "no"));
    command.addAll(List.of(extraArgs));
    Process process;
    try {
      Files.createDirectories(log.getParent());
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    }
    RedisProcess server = new RedisProcess(port, process, log);
    Awaitility.await("redis-server on port " + port + " accepting connections (log: " + log + ")")
        .atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS)
        .until(() -> {
          if (!process.isAlive()) {
            throw new IllegalStateException("redis-server on port " + port + " exited; see " + log);
          }
          return server.accepts();
        });
    return server;
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** Kills the process by its id and waits for it to end. Idempotent. */
  @Override
  public void close() {
    ProcessHandle.of(process.pid()).ifPresent(ProcessHandle::destroyForcibly);
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("redis-server " + process.pid() + " did not stop; see " + log);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private boolean accepts() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static synchronized String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-server");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    if (extractedBinary == null) {
      extractedBinary = extractEmbedded();
    }
    return extractedBinary.toString();
  }

  private static Path extractEmbedded() {
    String resource = "/redis-server-" + EMBEDDED_VERSION + "-" + platform();
    try (InputStream in = RedisProcess.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("No redis-server for the tests: none on PATH, and the embedded-redis test jar"
            + " has no " + resource.substring(1) + ". Install Redis 7 (Debian/Ubuntu: apt-get install -y"
            + " redis-server; macOS: brew install redis)");
      }
      Path file = Files.createTempFile("redis-server-" + EMBEDDED_VERSION + "-", "");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      if (!file.toFile().setExecutable(true, true)) {
        throw new IOException("cannot make " + file + " executable");
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + resource + " from the embedded-redis test jar", e);
    }
  }

  /** The platform as the jar names its binaries, e.g. {@code linux-amd64}. */
  private static String platform() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String osName = os.contains("linux") ? "linux" : os.contains("mac") ? "darwin" : os.replace(' ', '_');
    String archName = switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i486", "i586", "i686" -> "386";
      default -> arch;
    };
    return osName + "-" + archName;
  }
}
