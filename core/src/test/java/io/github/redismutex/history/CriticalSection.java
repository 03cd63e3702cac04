package io.github.redismutex.history;

/**
 * One critical section as its holder saw it. Times are microseconds since the epoch from {@link History#nowMicros()}
 * (wall clock: comparable across JVMs of one machine, to its resolution of about a microsecond, as long as nobody
 * steps the clock during a run).
 *
 * @param token the fencing token read at entry, or -1 if {@code fencingToken()} failed
 * @param enterMicros taken after {@code lock()}/{@code tryLock()} returned and the token was read
 * @param exitMicros taken after the section's last action, before {@code unlock()}
 * @param leaseLost true if, at exit, {@code isLeaseValid()} was false or the lease-lost listener had fired for this
 *     hold: the holder knew (or could have known) that it no longer held the lock
 */
record CriticalSection(String client, String thread, String lock, long token, long enterMicros, long exitMicros,
    boolean leaseLost) {

  boolean believedHeld() {
    return !leaseLost;
  }

  @Override
  public String toString() {
    return client + "/" + thread + " on '" + lock + "' token " + token + " [" + enterMicros + ", " + exitMicros + "]"
        + (leaseLost ? " lease lost" : "");
  }
}
