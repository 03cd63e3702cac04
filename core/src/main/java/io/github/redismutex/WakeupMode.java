package io.github.redismutex;

import java.util.List;

/**
 * How a waiter learns that a lock may be free, chosen once when a {@link RedisLocks} connects.
 *
 * <ul>
 *   <li>{@link #KEYSPACE}: the server sends keyspace notifications for the lock key ({@code del}, {@code expired},
 *       {@code evicted}), so a waiter also wakes the moment a crashed holder's lease runs out. Releases publish
 *       nothing extra.
 *   <li>{@link #CHANNEL}: notifications are off and may not be turned on (managed Redis, an ACL user without
 *       {@code +config}); the release script publishes on the lock's own channel, and a waiter learns of an expiry
 *       when the remaining lease it was told runs out. Its waiters watch the keyspace channel too, so releases by
 *       clients that publish nothing (those in {@link #KEYSPACE} mode on the same server) still wake them when the
 *       server has notifications on.
 * </ul>
 * In both modes a waiter re-checks at the latest when the holder's remaining lease runs out, so a lost message
 * costs time, never a hang.
 */
enum WakeupMode {
  KEYSPACE,
  CHANNEL;

  /** The channels a waiter for {@code lockKey} subscribes to. */
  List<String> watchedChannels(int database, String lockKey) {
    String keyspace = LockKeys.keyspaceChannel(database, lockKey);
    return this == KEYSPACE ? List.of(keyspace) : List.of(LockKeys.releaseChannel(lockKey), keyspace);
  }

  /** The channel release.lua publishes on, or null when the keyspace notification of the DEL is enough. */
  String releaseChannel(String lockKey) {
    return this == KEYSPACE ? null : LockKeys.releaseChannel(lockKey);
  }
}
