package io.github.redismutex.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/** The Testcontainers source of a shared test server, used only where no redis-server is on PATH and Docker runs. */
final class DockerContainers {
  private DockerContainers() {}

  static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
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
