package io.github.redismutex;

/**
 * Told when a lock held through a {@link RedisLocks} lost its lease while its holder still held it: the lease
 * watchdog found the key expired or owned by another token, or could not renew it before it ended, or an
 * {@link RedisMutex#extend} or {@link RedisMutex#unlock} found it gone. Register it with {@link
 * RedisLocksBuilder#onLeaseLost}.
 *
 * <p>Called once per lost acquisition, usually on the watchdog thread: it must return quickly and not block (hand
 * the news to your own executor if reacting takes time). What it throws is logged and otherwise ignored.
 */
@FunctionalInterface
public interface LeaseLostListener {
  /**
   * Reacts to the loss of one hold's lease.
   *
   * @param lockName the name the lock was obtained with
   * @param fencingToken the fencing token of the hold whose lease was lost, 0 if it had not drawn one; writes fenced
   *     with it may now be rejected, and should be
   */
  void leaseLost(String lockName, long fencingToken);
}
