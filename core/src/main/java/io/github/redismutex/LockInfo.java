package io.github.redismutex;

import java.time.Duration;
import java.time.Instant;

/**
 * Who holds a lock, as {@link RedisLocks#inspect(String)} read it from Redis, for operators: which host, process
 * and thread, since when, for how much longer, with which fencing token. A snapshot: by the time it is read, the
 * lock may have changed hands. Immutable.
 *
 * @param name the lock's name
 * @param host the holder's host name, as that host reported it
 * @param pid the holder's process id
 * @param threadName the holding thread's name
 * @param acquiredAt when the holder acquired the lock, by the holder's clock
 * @param remainingLease time left on the holder's lease; {@code ChronoUnit.FOREVER}'s duration for a key without
 *     expiry (not written by redis-mutex)
 * @param fencingToken the fencing token the holder drew ({@link RedisMutex#fencingToken()}); 0 while it has drawn
 *     none, -1 when the key was not written by redis-mutex
 */
public record LockInfo(
    String name,
    String host,
    long pid,
    String threadName,
    Instant acquiredAt,
    Duration remainingLease,
    long fencingToken) {}
