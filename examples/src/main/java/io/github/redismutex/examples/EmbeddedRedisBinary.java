package io.github.redismutex.examples;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The {@code redis-server} that the {@code org.signal:embedded-redis} jar carries at its root: static builds of Redis
 * {@value #VERSION} for Linux (amd64, arm64, 386) and macOS (amd64, arm64). The demo runs it as a process, like a
 * {@code redis-server} from the PATH; the jar's Java API is not used.
 */
final class EmbeddedRedisBinary {
  static final String VERSION = "7.0.15";

  private EmbeddedRedisBinary() {}

  /** Extracts the binary for this OS and CPU to an executable temporary file, deleted when the JVM exits. */
  static Path extract() throws IOException {
    String resource = "/redis-server-" + VERSION + "-" + platform();
    try (InputStream in = EmbeddedRedisBinary.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("No redis-server on the PATH, and embedded-redis has none for " + platform()
            + ". Install Redis (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis), or set"
            + " REDIS_URL=redis://host:port to a running server.");
      }
      Path file = Files.createTempFile("redis-server-" + VERSION + "-", "");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      if (!file.toFile().setExecutable(true, true)) {
        throw new IOException("cannot make " + file + " executable");
      }
      return file;
    }
  }

  /** The platform as the jar names it, e.g. {@code linux-amd64}. */
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
