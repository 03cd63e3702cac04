package io.github.redismutex.support;

import io.github.redismutex.RedisMutex;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A named thread that calls {@code lock()} on a lock, then holds it, watching {@code isLeaseValid()} (which only
 * the holding thread can ask) every few milliseconds, until told to {@link #release}. For tests that need to know
 * when a holder learned that its lease was lost, and when a waiter got the lock.
 */
public final class HolderThread implements AutoCloseable {
  private final Thread thread;
  private final CompletableFuture<Long> acquiredAt = new CompletableFuture<>(); // System.nanoTime()
  private final CountDownLatch release = new CountDownLatch(1);
  private final CompletableFuture<Throwable> unlockOutcome = new CompletableFuture<>();
  private volatile long leaseInvalidAtNanos; // 0 while valid

  private HolderThread(RedisMutex lock) {
    thread = new Thread(() -> run(lock), "holder-" + lock.getName());
    thread.setDaemon(true);
    thread.start();
  }

  /** Starts a thread that calls {@code lock.lock()} (which may wait) and then holds it. */
  public static HolderThread lock(RedisMutex lock) {
    return new HolderThread(lock);
  }

  private void run(RedisMutex lock) {
    try {
      lock.lock();
    } catch (Throwable e) {
      acquiredAt.completeExceptionally(e);
      unlockOutcome.complete(e);
      return;
    }
    acquiredAt.complete(System.nanoTime());
    try {
      while (!release.await(5, TimeUnit.MILLISECONDS)) {
        if (leaseInvalidAtNanos == 0 && !lock.isLeaseValid()) {
          leaseInvalidAtNanos = System.nanoTime();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      lock.unlock();
      unlockOutcome.complete(null);
    } catch (Throwable e) {
      unlockOutcome.complete(e);
    }
  }

  /** When {@code lock()} returned (nanoTime), waiting at most {@code seconds}. */
  public long awaitAcquired(long seconds) throws Exception {
    return acquiredAt.get(seconds, TimeUnit.SECONDS);
  }

  public boolean isAcquired() {
    return acquiredAt.isDone() && !acquiredAt.isCompletedExceptionally();
  }

  /** When the holder first saw {@code isLeaseValid()} false (nanoTime), or 0 if it has not. */
  public long leaseInvalidAtNanos() {
    return leaseInvalidAtNanos;
  }

  /** Unlocks (after acquiring, if still waiting); returns what unlock() threw, or null. */
  public Throwable release(long seconds) throws Exception {
    release.countDown();
    return unlockOutcome.get(seconds, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    release.countDown();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // the caller's interrupt is kept; the thread is a daemon
    }
    if (thread.isAlive()) {
      thread.interrupt(); // still in lock(): the test failed already; lock() keeps waiting until its RedisLocks closes
    }
  }
}
