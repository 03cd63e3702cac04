package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What one {@link RedisLocks} wires together, with an {@link InMemoryLockStore} and an {@link InMemorySubscriber} in
 * place of Lettuce: one simulated process for the jcstress tests. Two of them on one store contend as two JVMs on one
 * Redis server do. Each starts a watchdog thread, so tests make them once, in static fields.
 *
 * <p>The lease is a day: the watchdog's first renewal is 8 hours away, so no renewal and no expiry happens during a
 * run, and a waiter that is never woken waits out its call's timeout instead of being rescued by the holder's lease
 * running out, which the tests then see.
 */
final class InMemoryLocks {
  static final Duration LEASE = Duration.ofDays(1);
  /** Replies are complete before anyone waits for them: this bound is never reached. */
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final int DATABASE = 0;
  private static final LockKeys KEYS = new LockKeys(LockKeys.DEFAULT_PREFIX);

  final InMemoryLockStore store;
  final InMemorySubscriber subscriber;
  private final RedisLocks locks;
  private final MutexSync sync;

  InMemoryLocks(InMemoryLockStore store, WakeupMode mode, String processName) {
    this.store = store;
    this.subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.IMMEDIATE);
    // the same wiring as a RedisLocks over Lettuce: only the deployment differs
    this.locks = new RedisLocks(new InMemoryDeployment(store, subscriber, mode),
        RedisLocks.builder().leaseTime(LEASE).commandTimeout(COMMAND_TIMEOUT), "redis-mutex-" + processName);
    this.sync = locks.sync();
  }

  static String keyOf(String name) {
    return KEYS.lockKey(name);
  }

  /** As {@code lock()}: waits without a deadline. */
  boolean lock(String name) {
    return acquire(name, WaitPolicy.UNINTERRUPTIBLE, Deadline.never());
  }

  /** As {@code tryLock(timeout)}. */
  boolean tryLock(String name, Duration timeout) {
    return acquire(name, WaitPolicy.TIMED, Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  void unlock(String name) {
    sync.release(name);
  }

  int holdCount(String name) {
    return sync.holdCount(name);
  }

  /** As {@code fencingToken()}: the calling thread's fencing token for the lock it holds. */
  long fencingToken(String name) {
    return locks.mutex(name).fencingToken();
  }

  /**
   * What is left of a name that nobody uses any more, as a count that should be 0: its {@link LockTable} entry, its
   * key in the store, and this process's subscriptions to its channels.
   */
  int leftovers(String name) {
    String key = keyOf(name);
    int left = sync.table().peek(name) != null ? 1 : 0;
    left += store.inspect(key).toCompletableFuture().join() != null ? 1 : 0;
    return left + subscriber.subscribedCount(WakeupMode.watchedChannels(DATABASE, key));
  }

  /** As {@link RedisLocks#readWriteLock(String)}: a handle, no round trip. */
  RedisReadWriteLock readWriteLock(String name) {
    return locks.readWriteLock(name);
  }

  /** Table entries and read holds of all names in this process ({@link RedisLocks#localLockCount()}). */
  int localLockCount() {
    return locks.localLockCount();
  }

  /**
   * What is left of a read-write lock that nobody uses any more, as a count that should be 0: its write key, its
   * live read holds, the readers and waiting writers its scripts' keys still list, and this process's
   * subscriptions to its channels. This process's local state is {@link #localLockCount()}'s.
   */
  int readWriteLeftovers(String name) {
    String writeKey = LockKeys.writeKey(keyOf(name));
    int left = store.inspect(writeKey).toCompletableFuture().join() != null ? 1 : 0;
    left += store.readWrite().readHolds(writeKey).toCompletableFuture().join().intValue();
    left += store.readWrite().leftovers(writeKey);
    return left + subscriber.subscribedCount(WakeupMode.watchedChannels(DATABASE, writeKey));
  }

  private boolean acquire(String name, WaitPolicy wait, Deadline deadline) {
    try {
      return sync.acquire(name, wait, deadline);
    } catch (InterruptedException e) {
      // jcstress never interrupts its actors: this is a failure of the test, not an outcome
      Thread.currentThread().interrupt();
      throw new IllegalStateException("actor interrupted while acquiring '" + name + "'", e);
    }
  }
}
