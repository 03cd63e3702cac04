package io.github.redismutex;

import java.time.Duration;
import java.util.Objects;

/**
 * What the lock algorithm of one {@link RedisLocks} knows besides its collaborators. Immutable.
 *
 * @param database the logical database, which names keyspace channels
 * @param processPart "{@code <pid> <host>}" for the holder metadata of lock values ({@link LockValue})
 * @param maxLocalHandOvers consecutive local hand-overs allowed before the lock goes through Redis
 */
record LockSettings(long leaseMillis, long commandTimeoutNanos, int database, String processPart,
    int maxLocalHandOvers) {

  /** Checks a duration argument: {@code what} must be between {@code min} and {@code max}, else the message says so. */
  static Duration checkDuration(String what, Duration value, Duration min, Duration max) {
    Objects.requireNonNull(value, what + " must not be null");
    if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
      throw new IllegalArgumentException(what + " must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  /** One command's bound inside a call: the earlier of the call's deadline and the command timeout. */
  Deadline commandDeadline(Deadline call) {
    return call.capped(commandTimeoutNanos);
  }
}
