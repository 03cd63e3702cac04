package io.github.redismutex;

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
}
