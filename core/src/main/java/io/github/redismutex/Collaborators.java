package io.github.redismutex;

/**
 * The parts of one {@link RedisLocks} that its lock algorithm ({@link MutexSync}, {@link Acquisition}) works with,
 * each keeping its own invariants. Immutable.
 */
record Collaborators(LockStore store, WaiterRegistry waiters, LeaseWatchdog watchdog, UnconfirmedReleases releases,
    LeaseLossReporter losses, Lifecycle lifecycle, LockMetrics metrics) {}
