package io.github.redismutex.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives each test class one shared {@link RedisServer}, injected as a constructor, lifecycle or test parameter:
 * {@code REDIS_URL} if set, else a {@code redis-server} started for the class (from PATH, else the Redis 7.0.15
 * binary in the embedded-redis test jar), stopped after the class; only on a platform that jar has no binary for,
 * Testcontainers where Docker runs. Where none can be had, the tests fail and say how to get one; they never skip.
 *
 * <p>Tests that change the server's config or break it use {@link RedisServer#startDedicated} instead.
 */
public final class RedisExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(RedisExtension.class);

  @Override
  public void beforeAll(ExtensionContext context) {
    server(context);
  }

  @Override
  public void afterAll(ExtensionContext context) {
    RedisServer server = context.getStore(NAMESPACE).remove("server", RedisServer.class);
    if (server != null) {
      server.close();
    }
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == RedisServer.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    return server(context);
  }

  /** The shared server of the test class that {@code context} belongs to, started on first use. */
  public static RedisServer serverFor(ExtensionContext context) {
    return server(context);
  }

  private static RedisServer server(ExtensionContext context) {
    ExtensionContext classContext = context;
    while (classContext.getTestMethod().isPresent() && classContext.getParent().isPresent()) {
      classContext = classContext.getParent().get();
    }
    return classContext.getStore(NAMESPACE).getOrComputeIfAbsent("server", k -> RedisServer.startShared(),
        RedisServer.class);
  }
}
