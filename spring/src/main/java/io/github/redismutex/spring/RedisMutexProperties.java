package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the {@link RedisLocks} that {@link RedisMutexAutoConfiguration} builds, under {@code redis-mutex.*}.
 * Where Redis is (host, port, password...) is not here: the locks use the application's own Redis connection
 * ({@code spring.data.redis.*}).
 *
 * <p>Each setter checks its value by the library's own rule, so a bad value fails at startup with a message naming
 * the property, the rule and the value.
 */
@ConfigurationProperties("redis-mutex")
public class RedisMutexProperties {
  // The defaults are the library's (RedisLocks.DEFAULT_*, checked by a test), written out as literals so that the
  // configuration processor can show them to IDEs.

  /**
   * How long a lock outlives a process that stopped renewing it (died, or paused past it), from 100ms to 1d. Held
   * locks are renewed every third of it.
   */
  private Duration leaseTime = Duration.ofSeconds(30);

  /**
   * Prepended to every lock key in Redis, at most 256 bytes and without braces. Applications share a lock when they
   * use the same prefix and lock name.
   */
  private String keyPrefix = "redis-mutex:";

  /** The longest wait for any one Redis reply, from 1ms to 10m. */
  private Duration commandTimeout = Duration.ofSeconds(2);

  /**
   * Whether to turn on the keyspace notifications that wake waiters (CONFIG SET notify-keyspace-events, adding the
   * flags K, g, x, e, never removing any). Off by default: an application should not change its server's
   * configuration unasked. Releases are announced on the library's own pub/sub channels either way; notifications
   * only let a waiter hear an expiry (a holder that died) as it happens rather than when the lease runs out.
   */
  private boolean configureKeyspaceNotifications = false;

  /**
   * How many times in a row a lock may pass straight from one thread of this application to another waiting for it,
   * without going through Redis (0 to 1000; 0 sends every hand-over through Redis). After that many, waiters of
   * other processes get their turn.
   */
  private int maxLocalHandOvers = 8;

  /**
   * How many replicas must confirm every hold, renewal and fencing token (WAIT) before the application relies on it,
   * so that a failover to one of them keeps the lock; 0 to 16, 0 (the default) for none.
   */
  private int replicaAcknowledgements = 0;

  /** How long the replicas may take to confirm, from 1ms to a tenth of the lease time. */
  private Duration replicaAcknowledgementTimeout = Duration.ofMillis(100);

  /** {@return the lease of every lock: {@code redis-mutex.lease-time}} */
  public Duration getLeaseTime() {
    return leaseTime;
  }

  /**
   * Sets {@code redis-mutex.lease-time}.
   *
   * @param leaseTime from 100ms to 1d
   * @throws IllegalArgumentException if it is null or out of that range; the message names the property
   */
  public void setLeaseTime(Duration leaseTime) {
    check("lease-time", () -> RedisLocks.builder().leaseTime(leaseTime));
    this.leaseTime = leaseTime;
  }

  /** {@return the prefix of every lock key: {@code redis-mutex.key-prefix}} */
  public String getKeyPrefix() {
    return keyPrefix;
  }

  /**
   * Sets {@code redis-mutex.key-prefix}.
   *
   * @param keyPrefix at most 256 bytes in UTF-8, without braces
   * @throws IllegalArgumentException if it is null, too long or has a brace; the message names the property
   */
  public void setKeyPrefix(String keyPrefix) {
    check("key-prefix", () -> RedisLocks.builder().keyPrefix(keyPrefix));
    this.keyPrefix = keyPrefix;
  }

  /** {@return the longest wait for one Redis reply: {@code redis-mutex.command-timeout}} */
  public Duration getCommandTimeout() {
    return commandTimeout;
  }

  /**
   * Sets {@code redis-mutex.command-timeout}.
   *
   * @param commandTimeout from 1ms to 10m
   * @throws IllegalArgumentException if it is null or out of that range; the message names the property
   */
  public void setCommandTimeout(Duration commandTimeout) {
    check("command-timeout", () -> RedisLocks.builder().commandTimeout(commandTimeout));
    this.commandTimeout = commandTimeout;
  }

  /** {@return whether to turn on keyspace notifications: {@code redis-mutex.configure-keyspace-notifications}} */
  public boolean isConfigureKeyspaceNotifications() {
    return configureKeyspaceNotifications;
  }

  /**
   * Sets {@code redis-mutex.configure-keyspace-notifications}.
   *
   * @param configureKeyspaceNotifications true to add the flags K, g, x, e to the server's configuration at startup
   */
  public void setConfigureKeyspaceNotifications(boolean configureKeyspaceNotifications) {
    this.configureKeyspaceNotifications = configureKeyspaceNotifications;
  }

  /** {@return the most hand-overs in a row that bypass Redis: {@code redis-mutex.max-local-hand-overs}} */
  public int getMaxLocalHandOvers() {
    return maxLocalHandOvers;
  }

  /**
   * Sets {@code redis-mutex.max-local-hand-overs}.
   *
   * @param maxLocalHandOvers from 0 to 1000
   * @throws IllegalArgumentException if it is out of that range; the message names the property
   */
  public void setMaxLocalHandOvers(int maxLocalHandOvers) {
    check("max-local-hand-overs", () -> RedisLocks.builder().maxLocalHandOvers(maxLocalHandOvers));
    this.maxLocalHandOvers = maxLocalHandOvers;
  }

  /** {@return how many replicas confirm each hold, 0 for none: {@code redis-mutex.replica-acknowledgements}} */
  public int getReplicaAcknowledgements() {
    return replicaAcknowledgements;
  }

  /**
   * Sets {@code redis-mutex.replica-acknowledgements}.
   *
   * @param replicaAcknowledgements from 0 (none) to 16
   * @throws IllegalArgumentException if it is out of that range; the message names the property
   */
  public void setReplicaAcknowledgements(int replicaAcknowledgements) {
    if (replicaAcknowledgements != 0) {
      check("replica-acknowledgements",
          () -> RedisLocks.builder().replicaAcknowledgements(replicaAcknowledgements, Duration.ofMillis(1)));
    }
    this.replicaAcknowledgements = replicaAcknowledgements;
  }

  /** {@return how long replicas may take to confirm: {@code redis-mutex.replica-acknowledgement-timeout}} */
  public Duration getReplicaAcknowledgementTimeout() {
    return replicaAcknowledgementTimeout;
  }

  /**
   * Sets {@code redis-mutex.replica-acknowledgement-timeout}; that it is at most a tenth of the lease time is checked
   * at startup, when both are known.
   *
   * @param replicaAcknowledgementTimeout from 1ms
   * @throws IllegalArgumentException if it is null or not positive; the message names the property
   */
  public void setReplicaAcknowledgementTimeout(Duration replicaAcknowledgementTimeout) {
    check("replica-acknowledgement-timeout",
        () -> RedisLocks.builder().replicaAcknowledgements(1, replicaAcknowledgementTimeout));
    this.replicaAcknowledgementTimeout = replicaAcknowledgementTimeout;
  }

  /**
   * Runs the library's own check of a value (a builder setter, which checks at once and has no other effect), and
   * names the property in its message: Boot's binding failure names only the whole {@code redis-mutex} group.
   */
  private static void check(String property, Runnable librarysCheck) {
    try {
      librarysCheck.run();
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new IllegalArgumentException("redis-mutex." + property + " is invalid: " + e.getMessage(), e);
    }
  }

  /** A builder with these settings; the caller picks the connection. */
  RedisLocksBuilder toBuilder() {
    RedisLocksBuilder builder = RedisLocks.builder()
        .leaseTime(leaseTime)
        .keyPrefix(keyPrefix)
        .commandTimeout(commandTimeout)
        .configureKeyspaceNotifications(configureKeyspaceNotifications)
        .maxLocalHandOvers(maxLocalHandOvers);
    return replicaAcknowledgements == 0 ? builder
        : builder.replicaAcknowledgements(replicaAcknowledgements, replicaAcknowledgementTimeout);
  }
}
