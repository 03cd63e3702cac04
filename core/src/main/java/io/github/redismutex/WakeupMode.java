package io.github.redismutex;

import java.util.List;

/**
 * Whether waiters of a {@link RedisLocks} can also learn of expiries as they happen, decided once at connect.
 *
 * <p>Releases are always announced: release.lua publishes on the lock's release channel whenever a waiter has
 * marked the lock as awaited, so hand-overs never depend on server configuration that a restart, a failover or an
 * operator can undo. An expired lease announces nothing by itself:
 * <ul>
 *   <li>{@link #KEYSPACE}: the server sends keyspace notifications ({@code expired}, {@code evicted}), so a waiter
 *       wakes the moment a crashed holder's key is reclaimed;
 *   <li>{@link #CHANNEL}: notifications are off and may not be turned on (managed Redis, an ACL user without
 *       {@code +config}); a waiter notices an expiry when the remaining lease it was told runs out.
 * </ul>
 * Waiters watch the keyspace channel in both modes (it costs one subscription and helps where another client turned
 * notifications on), and in both modes re-check at the latest when the holder's lease runs out, so a lost message
 * costs time, never a hang.
 */
enum WakeupMode {
  KEYSPACE,
  CHANNEL;

  /** The channels a waiter for {@code lockKey} subscribes to. */
  static List<String> watchedChannels(int database, String lockKey) {
    return List.of(LockKeys.releaseChannel(lockKey), LockKeys.keyspaceChannel(database, lockKey));
  }
}
