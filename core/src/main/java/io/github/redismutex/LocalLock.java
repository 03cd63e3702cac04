package io.github.redismutex;

import java.util.concurrent.locks.ReentrantLock;

/**
 * The JVM-local side of one lock name in one {@link RedisLocks}, shared by every {@link RedisMutex} handle of that
 * name.
 *
 * <p>The {@link #gate} is the local queue: a thread takes it before it goes to Redis and keeps it while it holds
 * the lock, so at most one thread per name and JVM contends in Redis (no herd), the others park locally without
 * sending a command, and re-entry is the gate's own hold count, at no round trip. Its owner thread is the lock's
 * owner thread; the owner token lives in {@link #lease}, which only that thread writes: it is thread-confined state
 * of the owner, published through a volatile so that {@code isLocked()} from other threads can read it.
 */
final class LocalLock {
  final String name;
  final String key;
  final ReentrantLock gate = new ReentrantLock(true); // fair: local hand-overs go in arrival order

  /** Non-null exactly while the gate's owner holds the lock in Redis; written only by the gate's owner. */
  volatile Lease lease;

  /**
   * A lease its last holder passed on to whichever thread takes the gate next (a local hand-over): that thread
   * holds the lock without going to Redis. Invariant: non-null only while some thread still uses the entry, so it
   * is taken by the next gate holder or, if every waiting thread gave up, released by the last one to leave (see
   * {@link LockTable#release}).
   */
  volatile Lease offered;

  /** Holds plus calls in progress; the entry leaves its {@link LockTable} at 0. Guarded by the table's map. */
  int users;

  LocalLock(String name, String key) {
    this.name = name;
    this.key = key;
  }

  /** Hold count of the calling thread: 0 unless it holds the lock. */
  int holdCount() {
    return lease != null && gate.isHeldByCurrentThread() ? gate.getHoldCount() : 0;
  }
}
