package io.github.redismutex;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Where the locks of one {@link RedisLocks} live, chosen once by its builder: one server (standalone or managed by
 * Sentinel) or a Redis Cluster ({@link ServerDeployment}), or independent servers of which a majority decides
 * ({@link RedlockDeployment}). It owns the connections, hands out the store and the subscriber built on them, and
 * says what it supports, so that nothing else has to ask which deployment it is.
 */
interface Deployment {
  /** The lock commands. */
  LockStore store();

  /**
   * Where the clean-ups of {@link UnconfirmedReleases} run, each on its own: the store, or, where a majority of
   * servers decides, each server's, so that one server that missed a clean-up gets it later.
   */
  default List<LockStore> cleanUpTargets() {
    return List.of(store());
  }

  /** The condition commands, where conditions are supported. */
  Optional<ConditionStore> conditions();

  /** Why conditions are not supported, for the exception that says so; meaningful when {@link #conditions} is empty. */
  default String whyNoConditions() {
    return "conditions are not supported by this deployment";
  }

  /** The read-write lock commands, where read-write locks are supported. */
  default Optional<ReadWriteStore> readWrite() {
    return Optional.empty();
  }

  /** Why read-write locks are not supported; meaningful when {@link #readWrite} is empty. */
  default String whyNoReadWrite() {
    return "read-write locks are not supported by this deployment";
  }

  /** The pub/sub side: one subscription per channel, whatever the number of servers. */
  Subscriber subscriber();

  /** Whether waiters also hear of expiries as they happen (keyspace notifications), decided at connect. */
  WakeupMode wakeupMode();

  /** The logical database, which names keyspace channels. */
  int database();

  /** Runs {@code action} after every reconnect of any of its connections, until the returned handle is closed. */
  AutoCloseable onReconnect(Runnable action);

  /** Closes the pub/sub connections, then the others, and shuts down the clients it created, each wait bounded. */
  void close(Duration timeout);
}
