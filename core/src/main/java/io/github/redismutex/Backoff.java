package io.github.redismutex;

import java.util.concurrent.TimeUnit;

/**
 * The one back-off of the library: a pause between retries that doubles from {@value #MIN_MILLIS} ms to
 * {@value #MAX_MILLIS} ms while a condition lasts (Redis unreachable, a subscription not yet confirmed) and starts
 * again from the bottom once it ended. Not thread-safe: each loop has its own.
 */
final class Backoff {
  static final long MIN_MILLIS = 10;
  static final long MAX_MILLIS = 1_000;
  private static final long MIN_NANOS = TimeUnit.MILLISECONDS.toNanos(MIN_MILLIS);
  private static final long MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);

  private long nextNanos = MIN_NANOS;

  /** The pause to take now; the next one is twice as long, up to the cap. */
  long nextNanos() {
    long pause = nextNanos;
    nextNanos = Math.min(nextNanos * 2, MAX_NANOS);
    return pause;
  }

  /** The pause {@link #nextNanos} would return, without moving on. */
  long peekNanos() {
    return nextNanos;
  }

  /** The condition ended: the next pause is the shortest again. */
  void reset() {
    nextNanos = MIN_NANOS;
  }
}
