package io.github.redismutex;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A point on the {@link System#nanoTime()} time line that bounds one call: every Redis command, retry and
 * subscription inside a {@code tryLock(t)} waits against the same deadline, so the call cannot overrun it.
 *
 * <p>Conversions saturate: {@code tryLock(Long.MAX_VALUE, DAYS)} means "no deadline", never an overflow.
 * Immutable and thread-safe.
 */
final class Deadline {
  /** Waits longer than this (about 146 years) are treated as unbounded. */
  private static final long UNBOUNDED_NANOS = Long.MAX_VALUE / 2;

  private static final Deadline NEVER = new Deadline(0L, true);

  private final long atNanos; // meaningful only when !never
  private final boolean never;

  private Deadline(long atNanos, boolean never) {
    this.atNanos = atNanos;
    this.never = never;
  }

  static Deadline never() {
    return NEVER;
  }

  /** A deadline {@code time} units from now; zero or negative times give a deadline that has passed. */
  static Deadline after(long time, TimeUnit unit) {
    return afterNanos(unit.toNanos(time)); // toNanos saturates at Long.MAX_VALUE
  }

  static Deadline afterNanos(long nanos) {
    if (nanos >= UNBOUNDED_NANOS) {
      return NEVER;
    }
    return new Deadline(System.nanoTime() + Math.max(nanos, 0L), false);
  }

  /** Nanoseconds left, 0 once passed, {@code Long.MAX_VALUE} for no deadline. */
  long remainingNanos() {
    if (never) {
      return Long.MAX_VALUE;
    }
    return Math.max(atNanos - System.nanoTime(), 0L);
  }

  boolean hasPassed() {
    return !never && atNanos - System.nanoTime() <= 0;
  }

  boolean isBounded() {
    return !never;
  }

  /** The earlier of this deadline and {@code nanos} from now: a single command's bound inside the call. */
  Deadline capped(long nanos) {
    Deadline cap = afterNanos(nanos);
    if (never) {
      return cap;
    }
    if (!cap.isBounded()) {
      return this;
    }
    return cap.atNanos - atNanos < 0 ? cap : this;
  }

  /**
   * Waits for a Redis reply until this deadline. On {@link TimeoutException} the command is left to run (what was
   * written cannot be taken back): a caller that does not know whether it ran must make that harmless.
   * Failures are rethrown unwrapped, as the {@code RedisException} Lettuce reported.
   */
  <T> T await(CompletionStage<T> reply) throws InterruptedException, TimeoutException {
    try {
      return reply.toCompletableFuture().get(remainingNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      throw RedisFailures.asUnchecked(e);
    }
  }

  /**
   * {@link #await} for calls that the {@code Lock} contract makes uninterruptible ({@code lock()}, {@code unlock()},
   * queries): an interrupt does not stop the wait, and the thread's interrupt flag is set again on the way out.
   * This is the one place where an interrupt is swallowed and restored.
   */
  <T> T awaitUninterruptibly(CompletionStage<T> reply) throws TimeoutException {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          return await(reply);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
