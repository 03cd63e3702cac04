package io.github.redismutex;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/** How one acquisition waits, as the {@code Lock} method it serves; chosen by {@link RedisMutex}. */
enum WaitPolicy {
  /** {@code tryLock()}: one attempt, its answer awaited up to the command timeout; an outage is thrown. */
  TRY_ONCE,
  /** {@code tryLock(t <= 0)}: one attempt, its answer awaited up to {@link RedisMutex#NO_WAIT_REPLY_BUDGET}. */
  TRY_NO_WAIT,
  /** {@code tryLock(t)}: until the deadline, through outages; interruptible. */
  TIMED,
  /** {@code lockInterruptibly()}. */
  INTERRUPTIBLE,
  /** {@code lock()}: keeps waiting and keeps an interrupt for later. */
  UNINTERRUPTIBLE;

  boolean interruptible() {
    return this == TRY_NO_WAIT || this == TIMED || this == INTERRUPTIBLE;
  }

  /** Whether the call waits for a holder to release, and through an outage, until its deadline. */
  boolean waits() {
    return this == TIMED || this == INTERRUPTIBLE || this == UNINTERRUPTIBLE;
  }

  /** Whether Redis being unreachable is thrown to the caller rather than answered with false or waited out. */
  boolean throwsOutages() {
    return this == TRY_ONCE;
  }

  /** How an acquisition is asked for, for {@link #tryWithin}. */
  @FunctionalInterface
  interface Acquirer {
    boolean acquire(WaitPolicy wait, Deadline deadline) throws InterruptedException;
  }

  /** {@code tryLock(time, unit)}'s wait policy and deadline, for every lock that offers it. */
  static boolean tryWithin(long time, TimeUnit unit, Acquirer acquirer) throws InterruptedException {
    Objects.requireNonNull(unit, "unit must not be null");
    if (time <= 0) {
      return acquirer.acquire(TRY_NO_WAIT, Deadline.afterNanos(RedisMutex.NO_WAIT_REPLY_BUDGET.toNanos()));
    }
    return acquirer.acquire(TIMED, Deadline.after(time, unit));
  }

  /** A timeout in nanoseconds, saturated: beyond 292 years is no limit. */
  static long nanosOf(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout must not be null");
    try {
      return timeout.toNanos();
    } catch (ArithmeticException e) {
      return timeout.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }
}
