package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;

/**
 * A bean that adjusts the {@link RedisLocksBuilder} of the auto-configured {@link RedisLocks} before it is built,
 * after the {@code redis-mutex.*} properties: for what properties cannot say (a listener, a meter registry other
 * than the context's). Every such bean is applied, in {@code @Order}. The connection is a Lettuce client the
 * auto-configuration borrows, so TLS is that client's setting ({@code spring.data.redis.ssl.enabled}, or the
 * options of your own {@code RedisClient} bean), not the builder's: {@code sslOptions} would be refused.
 */
@FunctionalInterface
public interface RedisLocksBuilderCustomizer {
  /**
   * Adjusts the builder; it already carries the properties and the connection.
   *
   * @param builder the builder to change with its setters; {@code build()} is called after every customizer ran
   */
  void customize(RedisLocksBuilder builder);
}
