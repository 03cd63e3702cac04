package io.github.redismutex;

/**
 * What a {@link RedisCondition} needs of its lock, always for the calling thread: its lease, and its holds given up
 * whole and taken back whole. The condition sees nothing else of the lock algorithm.
 */
interface HeldLock {
  /** The lock's name, as given to {@link RedisLocks#mutex}. */
  String name();

  /** The lock's key. */
  String key();

  /**
   * The calling thread's lease.
   *
   * @param what the call that needs it, for the exception
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  Lease lease(String what);

  /**
   * Releases every hold of the calling thread at once (one round trip) and returns how many there were.
   *
   * @throws LeaseExpiredException if the lease had been lost; the holds are released all the same
   */
  int releaseAll();

  /** Acquires the lock again, uninterruptibly, with {@code holds} holds. */
  void reacquire(int holds);
}
