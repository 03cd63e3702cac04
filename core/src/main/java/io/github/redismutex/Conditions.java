package io.github.redismutex;

/**
 * Makes the {@link RedisCondition}s of the locks of one {@link RedisLocks}, where its deployment supports them
 * ({@link Deployment#conditions()}). Immutable.
 */
final class Conditions {
  private final ConditionStore store;
  private final WaiterRegistry waiters;
  private final long heartbeatMillis;
  private final Replies replies;

  /** @param heartbeatMillis how long a waiter's state outlives its last heartbeat: the lease */
  Conditions(ConditionStore store, WaiterRegistry waiters, long heartbeatMillis, Replies replies) {
    this.store = store;
    this.waiters = waiters;
    this.heartbeatMillis = heartbeatMillis;
    this.replies = replies;
  }

  /** The condition {@code conditionName} (checked by {@link LockKeys#checkName}) of {@code lock}. */
  RedisCondition of(HeldLock lock, String conditionName) {
    return new RedisCondition(lock, conditionName, store, waiters, heartbeatMillis, replies);
  }
}
