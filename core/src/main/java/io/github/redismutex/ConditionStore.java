package io.github.redismutex;

import java.util.concurrent.CompletionStage;

/**
 * The condition commands ({@link RedisCondition}'s queue of waiters), where the deployment supports conditions: one
 * server or a cluster ({@link LettuceLockStore}), not Redlock. Replies as in {@link LockStore}. Thread-safe.
 */
interface ConditionStore {
  /** condition-await.lua: queues a waiter on a condition if {@code token} owns the lock; false if it does not. */
  CompletionStage<Boolean> conditionAwait(
      String key, String token, String queueKey, String waiterId, long heartbeatMillis);

  /** condition-signal.lua: wakes the oldest live waiter, or all; -1 if {@code token} does not own the lock. */
  CompletionStage<Long> conditionSignal(String key, String token, String queueKey, boolean all);

  /**
   * condition-leave.lua: with a positive {@code heartbeatMillis}, renews the waiter's state and reports it (1
   * signalled, 0 waiting, -1 lapsed); with 0, removes the waiter and reports whether it had been signalled.
   */
  CompletionStage<Long> conditionLeave(String key, String queueKey, String waiterId, long heartbeatMillis);
}
