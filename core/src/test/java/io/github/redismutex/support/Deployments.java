package io.github.redismutex.support;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The deployments a test class runs its contract tests on, each started on first use and stopped with the class (an
 * invocation of a {@code @ParameterizedClass} is a class of its own): ask {@link RedisExtension} for one as a
 * constructor parameter. The one-server deployment is the class's shared server; Redlock is three servers.
 */
public final class Deployments implements AutoCloseable {
  private final Supplier<RedisServer> sharedServer;
  private final Map<DeploymentUnderTest.Kind, DeploymentUnderTest> started =
      new EnumMap<>(DeploymentUnderTest.Kind.class);
  private final List<Runnable> stops = new ArrayList<>(); // run on close, the last started first

  Deployments(Supplier<RedisServer> sharedServer) {
    this.sharedServer = sharedServer;
  }

  /** The deployment of that kind, started if it was not yet. */
  public synchronized DeploymentUnderTest get(DeploymentUnderTest.Kind kind) {
    return started.computeIfAbsent(kind, this::start);
  }

  private DeploymentUnderTest start(DeploymentUnderTest.Kind kind) {
    switch (kind) {
      case ONE_SERVER -> {
        return DeploymentUnderTest.oneServer(sharedServer.get());
      }
      case SENTINEL -> {
        SentinelDeployment deployment = new SentinelDeployment();
        stops.add(deployment::close);
        return DeploymentUnderTest.sentinel(deployment);
      }
      case CLUSTER -> {
        ClusterDeployment deployment = new ClusterDeployment();
        stops.add(deployment::close);
        return DeploymentUnderTest.cluster(deployment);
      }
      case REDLOCK -> {
        List<RedisServer> servers = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          RedisServer server = RedisServer.startDedicated();
          stops.add(server::close);
          servers.add(server);
        }
        return DeploymentUnderTest.redlock(servers);
      }
      default -> throw new IllegalArgumentException("no deployment of kind " + kind);
    }
  }

  @Override
  public synchronized void close() {
    RuntimeException failure = null;
    for (int i = stops.size() - 1; i >= 0; i--) {
      try {
        stops.get(i).run();
      } catch (RuntimeException e) {
        failure = failure == null ? e : failure; // the others are stopped all the same
      }
    }
    stops.clear();
    started.clear();
    if (failure != null) {
      throw failure;
    }
  }
}
