package io.github.redismutex.bench.harness;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * The redis-server the harness starts: the one on PATH, else the static Redis {@value #EMBEDDED_VERSION} build that
 * the org.signal:embedded-redis jar (shaded into benchmarks.jar) carries for Linux and macOS, extracted once to an
 * executable temporary file deleted at exit. Only the binary is used, never that jar's Java API.
 */
final class RedisBinary {
  static final String EMBEDDED_VERSION = "7.0.15";

  private static String path; // null until first asked

  private RedisBinary() {}

  static synchronized String path() {
    if (path == null) {
      path = onPath();
      if (path == null) {
        path = extractEmbedded().toString();
      }
    }
    return path;
  }

  private static String onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    return null;
  }

  private static Path extractEmbedded() {
    String resource = "/redis-server-" + EMBEDDED_VERSION + "-" + platform();
    try (InputStream in = RedisBinary.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no redis-server on PATH, and embedded-redis has none for " + platform()
            + ": install Redis (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis)");
      }
      Path file = Files.createTempFile("redis-server-" + EMBEDDED_VERSION + "-", "");
      file.toFile().deleteOnExit();
      Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
      if (!file.toFile().setExecutable(true, true)) {
        throw new IOException("cannot make " + file + " executable");
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract " + resource, e);
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
