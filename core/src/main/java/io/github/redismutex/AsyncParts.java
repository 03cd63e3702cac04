package io.github.redismutex;

/**
 * The parts of one {@link RedisLocks} that its non-blocking API works with, besides those the blocking algorithm
 * shares ({@code parts}): the one async thread, this JVM's queues of asynchronous acquisitions, and what a hold asks
 * of its lease. Immutable.
 */
record AsyncParts(Collaborators parts, LockSettings settings, AsyncThread thread, AsyncGates gates,
    AsyncHolds holds) {}
