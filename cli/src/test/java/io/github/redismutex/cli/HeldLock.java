package io.github.redismutex.cli;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A lock held by a thread of the test's naming (a lock belongs to the thread that took it), until {@link #close()},
 * which unlocks it on that thread.
 */
final class HeldLock implements AutoCloseable {
  private final CompletableFuture<Long> held = new CompletableFuture<>(); // the fencing token, 0 if none drawn
  private final CountDownLatch release = new CountDownLatch(1);
  private final Thread holder;

  private HeldLock(RedisMutex mutex, String threadName, boolean drawToken) {
    holder = new Thread(() -> {
      mutex.lock();
      try {
        held.complete(drawToken ? mutex.fencingToken() : 0L);
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        held.completeExceptionally(e);
      } finally {
        mutex.unlock();
      }
    }, threadName);
    holder.start();
  }

  /** Holds {@code name} on a new thread {@code threadName}, drawing a fencing token if asked; returns once held. */
  static HeldLock hold(RedisLocks locks, String name, String threadName, boolean drawToken) {
    HeldLock lock = new HeldLock(locks.mutex(name), threadName, drawToken);
    lock.fencingToken(); // waits until held
    return lock;
  }

  static HeldLock hold(RedisLocks locks, String name) {
    return hold(locks, name, "holder of " + name, false);
  }

  long fencingToken() {
    return held.orTimeout(10, TimeUnit.SECONDS).join();
  }

  @Override
  public void close() {
    release.countDown();
    try {
      holder.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
