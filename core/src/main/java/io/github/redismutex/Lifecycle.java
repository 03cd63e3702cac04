package io.github.redismutex;

import java.util.concurrent.atomic.AtomicBoolean;

/** Whether a {@link RedisLocks} is still open: the one close flag and the one check of it. Thread-safe. */
final class Lifecycle {
  private final AtomicBoolean closed = new AtomicBoolean();

  /** @throws IllegalStateException once closed */
  void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("RedisLocks is closed");
    }
  }

  boolean isClosed() {
    return closed.get();
  }

  /** Marks it closed; true only for the first call, which then does the closing. */
  boolean close() {
    return closed.compareAndSet(false, true);
  }
}
