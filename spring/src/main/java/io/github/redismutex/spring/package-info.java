/**
 * redis-mutex for Spring: {@link io.github.redismutex.spring.RedisMutexLockRegistry}, a Spring Integration
 * {@code LockRegistry} over a {@link io.github.redismutex.RedisLocks}, and
 * {@link io.github.redismutex.spring.RedisMutexAutoConfiguration}, which gives a Spring Boot application both on its
 * own Redis connection, configured by {@link io.github.redismutex.spring.RedisMutexProperties} ({@code redis-mutex.*}).
 *
 * <p>The rest is package-private: one configuration per source of the Lettuce client (an application's client bean,
 * Boot's connection factory, or a client of this module's own), the lifecycle that closes borrowed locks before the
 * factory stops, and that own client.
 */
package io.github.redismutex.spring;
