package io.github.redismutex;

import java.util.concurrent.TimeUnit;

/**
 * The one rule for how long this JVM counts on a lease: Redis ends a lease on its own clock, this JVM reckons it on
 * {@link System#nanoTime()}, and the two may run at slightly different rates. So every lease end this JVM relies on
 * is the send time of the command that set it, plus the lease, less an allowance of 1% of the lease and 2 ms (the
 * Redlock rule), on every deployment. Redis starts the lease when it runs the command, which is after it was sent,
 * so that end is never later than Redis's own, as long as Redis's clock runs at most 1% fast. A clock that steps
 * forward (an NTP step, a restored VM) is beyond any allowance: a lease it cuts short is noticed at the next
 * renewal (see {@link LeaseWatchdog}). Stateless.
 */
final class ClockDrift {
  private ClockDrift() {}

  /** How much sooner than its lease time a lease may end by Redis's clock: 1% of it plus 2 ms. */
  static long allowanceMillis(long leaseMillis) {
    return leaseMillis / 100 + 2;
  }

  /**
   * The earliest moment a lease of {@code leaseMillis} set by a command sent at {@code sentAtNanos} ({@link
   * System#nanoTime}) can end.
   */
  static long leaseEndNanos(long sentAtNanos, long leaseMillis) {
    return sentAtNanos + TimeUnit.MILLISECONDS.toNanos(leaseMillis - allowanceMillis(leaseMillis));
  }
}
