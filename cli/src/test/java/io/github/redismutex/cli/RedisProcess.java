package io.github.redismutex.cli;

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
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A {@code redis-server} process of the test's own on a free loopback port, stopped by its process id. The binary is
 * {@code redis-server} from PATH, else the static build that the test-scoped {@code org.signal:embedded-redis} jar
 * carries at its root (only the binary is used, never that jar's Java API), so the tests need nothing installed but
 * a JDK and Maven.
 */
final class RedisProcess implements AutoCloseable {
  private static final String EMBEDDED_VERSION = "7.0.15";
  private static Path extracted; // the embedded binary once extracted, deleted when the JVM exits

  private final int port;
  private final long pid;

  private RedisProcess(int port, long pid) {
    this.port = port;
    this.pid = pid;
  }

  /** Starts a server with these extra arguments (e.g. {@code --requirepass pw}) and waits until it accepts. */
  static RedisProcess start(String... extraArgs) {
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(binary(), "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "no", "--daemonize", "no"));
    command.addAll(List.of(extraArgs));
    Path log = Path.of("target", "redis-" + port + ".log");
    Process process;
    try {
      Files.createDirectories(log.getParent());
      process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + command.get(0), e);
    }
    RedisProcess redis = new RedisProcess(port, process.pid());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!accepts(port)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        redis.close();
        throw new IllegalStateException("redis-server on port " + port + " did not start; see " + log);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // a port has nothing to wait on but a poll
    }
    return redis;
  }

  String uri() {
    return "redis://127.0.0.1:" + port;
  }

  int port() {
    return port;
  }

  /** Kills the process by its id and waits for it to end. */
  @Override
  public void close() {
    ProcessHandle.of(pid).ifPresent(handle -> {
      handle.destroyForcibly();
      handle.onExit().join();
    });
  }

  /** A loopback port that nothing listened on a moment ago. */
  static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean accepts(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 100);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String binary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return embedded().orElseThrow(() -> new IllegalStateException(
        "no redis-server on PATH, and the embedded-redis jar has none for " + platform())).toString();
  }

  private static synchronized Optional<Path> embedded() {
    if (extracted == null) {
      String resource = "/redis-server-" + EMBEDDED_VERSION + "-" + platform();
      try (InputStream in = RedisProcess.class.getResourceAsStream(resource)) {
        if (in == null) {
          return Optional.empty();
        }
        Path file = Files.createTempFile("redis-server-" + EMBEDDED_VERSION + "-", "");
        file.toFile().deleteOnExit();
        Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        if (!file.toFile().setExecutable(true, true)) {
          throw new IOException("cannot make " + file + " executable");
        }
        extracted = file;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract " + resource + " from the embedded-redis jar", e);
      }
    }
    return Optional.of(extracted);
  }

  /** The platform as the embedded-redis jar names its binaries, e.g. {@code linux-amd64}. */
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
