package io.github.redismutex;

/**
 * What the lock algorithm of one {@link RedisLocks} knows besides its collaborators. Immutable.
 *
 * @param database the logical database, which names keyspace channels
 * @param processPart "{@code <pid> <host>}" for the holder metadata of lock values ({@link LockValue})
 * @param maxLocalHandOvers consecutive local hand-overs allowed before the lock goes through Redis
 */
record LockSettings(long leaseMillis, long commandTimeoutNanos, int database, String processPart,
    int maxLocalHandOvers) {

  /** One command's bound inside a call: the earlier of the call's deadline and the command timeout. */
  Deadline commandDeadline(Deadline call) {
    return call.capped(commandTimeoutNanos);
  }
}
