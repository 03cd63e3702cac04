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
  final WaiterRegistry waiters;
  final LockTable table;
  final MutexSync sync;
  private final WakeupMode mode;

  InMemoryLocks(InMemoryLockStore store, WakeupMode mode, String processName) {
    this.store = store;
    this.mode = mode;
    this.subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.IMMEDIATE);
    this.waiters = new WaiterRegistry(subscriber);
    subscriber.deliverTo(waiters);
    store.connect(subscriber);
    this.table = new LockTable(KEYS::lockKey);
    LeaseLossReporter losses = new LeaseLossReporter(null); // no lease is lost in a day: nobody listens
    LeaseWatchdog watchdog =
        new LeaseWatchdog(store, losses, LEASE.toMillis(), "redis-mutex-watchdog-" + processName);
    // the process name stands in for the host, so that the lock values of two simulated processes differ
    MutexSync.Settings settings =
        new MutexSync.Settings(LEASE, COMMAND_TIMEOUT, mode, DATABASE, LockValue.processPart(processName),
            RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    this.sync = new MutexSync(table, store, waiters, watchdog, losses, settings);
  }

  static String keyOf(String name) {
    return KEYS.lockKey(name);
  }

  /** As {@code lock()}: waits without a deadline. */
  boolean lock(String name) {
    return acquire(name, MutexSync.Wait.UNINTERRUPTIBLE, Deadline.never());
  }

  /** As {@code tryLock(timeout)}. */
  boolean tryLock(String name, Duration timeout) {
    return acquire(name, MutexSync.Wait.TIMED, Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS));
  }

  void unlock(String name) {
    sync.release(name);
  }

  int holdCount(String name) {
    return sync.holdCount(name);
  }

  /** As {@code fencingToken()}: the calling thread's fencing token for the lock it holds. */
  long fencingToken(String name) {
    return sync.fencingToken(name);
  }

  /**
   * What is left of a name that nobody uses any more, as a count that should be 0: its {@link LockTable} entry, its
   * key in the store, and this process's subscriptions to its channels.
   */
  int leftovers(String name) {
    String key = keyOf(name);
    int left = table.peek(name) != null ? 1 : 0;
    left += store.inspect(key).toCompletableFuture().join() != null ? 1 : 0;
    return left + subscriber.subscribedCount(WakeupMode.watchedChannels(DATABASE, key));
  }

  private boolean acquire(String name, MutexSync.Wait wait, Deadline deadline) {
    try {
      return sync.acquire(name, wait, deadline);
    } catch (InterruptedException e) {
      // jcstress never interrupts its actors: this is a failure of the test, not an outcome
      Thread.currentThread().interrupt();
      throw new IllegalStateException("actor interrupted while acquiring '" + name + "'", e);
    }
  }
}
