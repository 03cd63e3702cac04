package io.github.redismutex.support;

import java.lang.reflect.Constructor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one way an integration test gets Redis: it names what it needs as a constructor, lifecycle or test parameter,
 * and this extension starts it and stops it.
 *
 * <ul>
 *   <li>{@code RedisServer}: the server the tests of one class share: {@code REDIS_URL} if set, else a {@code
 *       redis-server} started for the class (from PATH, else the Redis 7.0.15 binary in the embedded-redis test jar);
 *       only on a platform that jar has no binary for, Testcontainers where Docker runs. Where none can be had, the
 *       tests fail and say how to get one; they never skip.
 *   <li>{@code @}{@link Dedicated} {@code RedisServer}: a process of the test's own, with optional arguments, for a
 *       test that changes its config, stops it or breaks it.
 *   <li>{@code @}{@link Servers}{@code (n) List<RedisServer>}: n independent processes, for Redlock.
 *   <li>{@link RedisServers}: starts processes of the test's own with arguments known only at run time.
 *   <li>{@link SentinelDeployment}: a primary, a replica and three sentinels.
 *   <li>{@link ClusterDeployment}: a six-node Redis Cluster.
 *   <li>{@link Deployments}: each of the above on first use, for contract tests that run on every deployment.
 * </ul>
 *
 * <p>Everything but the shared server belongs to the scope it is asked in: a parameter of a test method, of a
 * {@code @BeforeEach} or of an {@code @AfterEach} is started for that one test (each invocation of a parameterized
 * test) and stopped after its {@code @AfterEach} methods; a parameter of the constructor, of a {@code @BeforeAll} or of
 * an {@code @AfterAll} is started once for the class (a {@code @Nested} class is a class of its own) and stopped after
 * its {@code @AfterAll} methods. Within one scope, parameters asking for the same thing get the same instance. What was
 * started is stopped whether the test passed or failed, in the reverse order of starting.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace SHARED = ExtensionContext.Namespace.create(RedisExtension.class);

  static {
    // Awaitility in the integration tests looks at once and then every 10 ms: what they wait for on a local Redis
    // arrives in milliseconds, and its default (a first look after 100 ms) adds a tenth of a second to every wait.
    Awaitility.setDefaultPollDelay(Duration.ZERO);
    Awaitility.setDefaultPollInterval(Duration.ofMillis(10));
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (classContext(context) == context) {
      sharedServer(context);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    RedisServer server = context.getStore(SHARED).remove("server", RedisServer.class);
    if (server != null) {
      server.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    Class<?> type = parameter.getParameter().getType();
    return type == RedisServer.class || type == SentinelDeployment.class || type == ClusterDeployment.class
        || type == Deployments.class || type == RedisServers.class
        || type == List.class && parameter.isAnnotated(Servers.class);
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext given) {
    ExtensionContext context = scope(parameter, given);
    Class<?> type = parameter.getParameter().getType();
    if (type == SentinelDeployment.class) {
      return owned(context, "sentinel", SentinelDeployment.class, SentinelDeployment::new);
    }
    if (type == ClusterDeployment.class) {
      return owned(context, "cluster", ClusterDeployment.class, ClusterDeployment::new);
    }
    if (type == RedisServers.class) {
      return owned(context, "started by the test", RedisServers.class, RedisServers::new);
    }
    if (type == Deployments.class) {
      return owned(context, "deployments", Deployments.class, () -> new Deployments(() -> sharedServer(context)));
    }
    if (type == List.class) {
      Servers servers = parameter.findAnnotation(Servers.class).orElseThrow();
      if (servers.value() < 1) {
        throw new ParameterResolutionException("@Servers needs at least one server, was " + servers.value());
      }
      return owned(context, "servers " + servers.value() + " " + Arrays.toString(servers.args()), ServerGroup.class,
          () -> ServerGroup.start(servers.value(), servers.args())).servers();
    }
    return parameter.findAnnotation(Dedicated.class)
        .map(dedicated -> owned(context, "dedicated " + Arrays.toString(dedicated.args()), RedisServer.class,
            () -> RedisServer.startDedicated(dedicated.args())))
        .orElseGet(() -> sharedServer(context));
  }

  /**
   * A constructor's parameters are the class's, whichever context JUnit resolves them in (the class's by default,
   * the test's where test-method scope for instantiation is configured); everyone else's the context's.
   */
  private static ExtensionContext scope(ParameterContext parameter, ExtensionContext context) {
    ExtensionContext scope = context;
    if (parameter.getDeclaringExecutable() instanceof Constructor<?>) {
      while (scope.getTestMethod().isPresent() && scope.getParent().isPresent()) {
        scope = scope.getParent().get();
      }
    }
    return scope;
  }

  /** The shared server of the test class that {@code context} belongs to, started on first use. */
  public static RedisServer serverFor(ExtensionContext context) {
    return sharedServer(context);
  }

  private static RedisServer sharedServer(ExtensionContext context) {
    return classContext(context).getStore(SHARED).getOrComputeIfAbsent("server", k -> RedisServer.startShared(),
        RedisServer.class);
  }

  /** The outermost class's context: one shared server for a class and its nested classes. */
  private static ExtensionContext classContext(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getParent().isPresent() && classContext.getParent().get().getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext;
  }

  /**
   * What {@code context}'s scope owns under {@code key}, started on first use. A namespace of the context's own, so
   * that a test never gets its class's instance by the store's lookup in parent contexts. JUnit closes the
   * (AutoCloseable) values of a store when its context ends, the last stored first.
   */
  private static <T extends AutoCloseable> T owned(ExtensionContext context, String key, Class<T> type,
      Supplier<T> start) {
    ExtensionContext.Namespace own = ExtensionContext.Namespace.create(RedisExtension.class, context.getUniqueId());
    return context.getStore(own).getOrComputeIfAbsent(key, k -> start.get(), type);
  }

  /** Servers started together and stopped together; if one fails to start, those already started are stopped. */
  private record ServerGroup(List<RedisServer> servers) implements AutoCloseable {
    static ServerGroup start(int count, String[] args) {
      List<RedisServer> started = new ArrayList<>();
      try {
        for (int i = 0; i < count; i++) {
          started.add(RedisServer.startDedicated(args));
        }
      } catch (RuntimeException e) {
        started.forEach(RedisServer::close);
        throw e;
      }
      return new ServerGroup(List.copyOf(started));
    }

    @Override
    public void close() {
      servers.forEach(RedisServer::close);
    }
  }
}
