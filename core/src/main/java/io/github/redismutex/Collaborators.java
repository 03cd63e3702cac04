package io.github.redismutex;

/**
 * The parts of one {@link RedisLocks} that its lock algorithm ({@link MutexSync}, {@link Acquisition}) works with,
 * each keeping its own invariants. Immutable.
 */
record Collaborators(LockStore store, WaiterRegistry waiters, LeaseWatchdog watchdog, UnconfirmedReleases releases,
    LeaseLossReporter losses, Lifecycle lifecycle, LockMetrics metrics) {

  /** The same parts acquiring and releasing through {@code other}, with the clean-ups sent through it too. */
  Collaborators on(LockStore other) {
    return new Collaborators(other, waiters, watchdog, releases.on(other), losses, lifecycle, metrics);
  }

  /** The same parts acquiring through {@code other}, with the clean-ups sent as before. */
  Collaborators with(LockStore other) {
    return new Collaborators(other, waiters, watchdog, releases, losses, lifecycle, metrics);
  }
}
