package io.github.redismutex.support;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * One thread of its own that locks and unlocks on the test's behalf, so that a test can play several lock owners:
 * every call runs on that thread; {@link #start} returns at once with the call's future (for a lock() that waits).
 */
public final class LockOwner implements AutoCloseable {
  private final ExecutorService thread;

  public LockOwner(String name) {
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Runs {@code call} on the owner's thread and returns its result, waiting at most 30 s. */
  public <T> T call(Callable<T> call) throws Exception {
    return start(call).get(30, TimeUnit.SECONDS);
  }

  /** Starts {@code call} on the owner's thread. */
  public <T> Future<T> start(Callable<T> call) {
    return thread.submit(call);
  }

  public void lock(Lock lock) throws Exception {
    call(() -> {
      lock.lock();
      return null;
    });
  }

  public void unlock(Lock lock) throws Exception {
    call(() -> {
      lock.unlock();
      return null;
    });
  }

  public boolean tryLock(Lock lock, long millis) throws Exception {
    return call(() -> lock.tryLock(millis, TimeUnit.MILLISECONDS));
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
