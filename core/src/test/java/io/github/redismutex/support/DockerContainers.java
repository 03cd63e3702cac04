package io.github.redismutex.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Testcontainers source of a shared test server, used only where neither PATH nor the embedded-redis jar has a
 * redis-server for this platform, and Docker runs.
 */
final class DockerContainers {
  private DockerContainers() {}

  static boolean dockerAvailable() {
    if (!dockerMayRun()) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /**
   * Whether a Docker engine could be reachable at all, judged without Testcontainers: its probe logs an ERROR when it
   * finds none, which a build on a machine without Docker must not show (simplelogger.properties silences it too).
   * These are the places Testcontainers' own strategies look first; Windows' named pipe is left to Testcontainers.
   */
  private static boolean dockerMayRun() {
    String dockerHost = System.getenv("DOCKER_HOST");
    if ((dockerHost != null && !dockerHost.isBlank())
        || System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("windows")) {
      return true;
    }
    String home = System.getProperty("user.home");
    List<Path> places = new ArrayList<>(List.of(Path.of("/var/run/docker.sock"),
        Path.of(home, ".docker", "run", "docker.sock"), Path.of(home, ".testcontainers.properties")));
    String runtimeDir = System.getenv("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isBlank()) {
      places.add(Path.of(runtimeDir, "docker.sock"));
    }
    return places.stream().anyMatch(Files::exists);
  }

  /** Starts {@code redis:7}; the returned handle's {@code toString()} is its URI and {@code close()} stops it. */
  static AutoCloseable startRedis() {
    GenericContainer<?> redis = new GenericContainer<>(DockerImageName.parse("redis:7")).withExposedPorts(6379);
    redis.start();
    String uri = "redis://" + redis.getHost() + ":" + redis.getMappedPort(6379);
    return new AutoCloseable() {
      @Override
      public void close() {
        redis.stop();
      }

      @Override
      public String toString() {
        return uri;
      }
    };
  }
}
