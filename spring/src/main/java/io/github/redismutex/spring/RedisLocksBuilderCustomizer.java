package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;

/**
 * A bean that adjusts the {@link RedisLocks.Builder} of the auto-configured {@link RedisLocks} before it is built,
 * after the {@code redis-mutex.*} properties: for what properties cannot say (a listener, meters, TLS settings).
 * Every such bean is applied, in {@code @Order}.
 */
@FunctionalInterface
public interface RedisLocksBuilderCustomizer {
  /**
   * Adjusts the builder; it already carries the properties and the connection.
   *
   * @param builder the builder to change with its setters; {@code build()} is called after every customizer ran
   */
  void customize(RedisLocks.Builder builder);
}
