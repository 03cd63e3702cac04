package io.github.redismutex.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * The {@code redis-server} that the test-scoped {@code org.signal:embedded-redis} jar carries at its root: static
 * builds of Redis {@value #VERSION} for Linux (amd64, arm64, 386) and macOS (amd64, arm64). Only the binary is used,
 * never the jar's Java API, so the tests start, signal and stop it by process id like any {@code redis-server}; it
 * also runs as a sentinel ({@code --sentinel}).
 */
final class EmbeddedRedisBinary {
  static final String VERSION = "7.0.15";

  private static Optional<Path> extracted; // null until first asked; then the file, or empty for this platform

  private EmbeddedRedisBinary() {}

  /**
   * The binary for this OS and CPU, extracted on the first call to an executable temporary file that is deleted when
   * the JVM exits; empty where the jar has none (Windows, other CPUs).
   */
  static synchronized Optional<Path> path() {
    if (extracted == null) {
      extracted = resource().map(EmbeddedRedisBinary::extract);
    }
    return extracted;
  }

  /** The platform as the jar names it, e.g. {@code linux-amd64}, for messages too. */
  static String platform() {
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

  private static Optional<String> resource() {
    String name = "/redis-server-" + VERSION + "-" + platform();
    return Optional.ofNullable(EmbeddedRedisBinary.class.getResource(name)).map(url -> name);
  }

  private static Path extract(String resource) {
    try (InputStream in = EmbeddedRedisBinary.class.getResourceAsStream(resource)) {
      Path file = Files.createTempFile("redis-server-" + VERSION + "-", "");
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
}
