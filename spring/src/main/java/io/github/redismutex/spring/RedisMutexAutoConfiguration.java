package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * Spring Boot auto-configuration of redis-mutex: a {@link RedisLocks} on the application's own Redis connection,
 * configured by {@code redis-mutex.*} ({@link RedisMutexProperties}), and a {@link RedisMutexLockRegistry} over it.
 * Each bean backs off when the application defines its own. With Micrometer and a {@code MeterRegistry} bean, the
 * locks' meters go to that registry ({@link MetricsConfiguration}); any {@link RedisLocksBuilderCustomizer} bean
 * adjusts the builder.
 *
 * <p>Where the connection comes from, first match wins:
 * <ol>
 *   <li>a Lettuce {@code RedisClient} or {@code RedisClusterClient} bean of the application: borrowed
 *       ({@link ClientBeanConfiguration});
 *   <li>the client of Spring Boot's {@code LettuceConnectionFactory}, built from {@code spring.data.redis.*}:
 *       borrowed, and the locks are closed before the factory stops it ({@link ConnectionFactoryConfiguration});
 *   <li>otherwise a client of this module's own, from the same {@code spring.data.redis.*} settings (one server),
 *       closed with the context ({@link OwnClientConfiguration}), e.g. where Spring Data Redis runs on Jedis.
 * </ol>
 * Ordered after Boot's Redis auto-configuration so that its connection factory is known by then.
 */
@AutoConfiguration(afterName = "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration")
@ConditionalOnClass(RedisLocks.class)
@EnableConfigurationProperties(RedisMutexProperties.class)
@Import({ClientBeanConfiguration.class, ConnectionFactoryConfiguration.class, OwnClientConfiguration.class,
    LockRegistryConfiguration.class, MetricsConfiguration.class})
public final class RedisMutexAutoConfiguration {
  // The order of the imports is the order of the list above: each RedisLocks bean is conditional on none before it.
}
