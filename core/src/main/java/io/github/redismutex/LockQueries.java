package io.github.redismutex;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.Optional;

/**
 * What anyone may ask Redis about a lock, held or not, and the fenced write: one round trip each, answered by one
 * atomic script ({@link LockStore#inspect}, {@link LockStore#fencedSet}). Thread-safe.
 */
final class LockQueries {
  private final LockStore store;
  private final LockKeys keys;
  private final Replies replies;
  private final Lifecycle lifecycle;

  LockQueries(LockStore store, LockKeys keys, Replies replies, Lifecycle lifecycle) {
    this.store = store;
    this.keys = keys;
    this.replies = replies;
    this.lifecycle = lifecycle;
  }

  /** Whether any owner holds the lock, as Redis says now. */
  boolean isLocked(String name, String key) {
    return holding(name, key) != null;
  }

  Duration remainingLease(String name, String key) {
    LockStore.Holding holding = holding(name, key);
    if (holding == null) {
      return Duration.ZERO;
    }
    if (holding.remainingLeaseMillis() == -1) {
      return ChronoUnit.FOREVER.getDuration(); // a key without expiry, not set by this library
    }
    return Duration.ofMillis(Math.max(holding.remainingLeaseMillis(), 0));
  }

  Optional<LockInfo> inspect(String name, String key) {
    LockStore.Holding holding = holding(name, key);
    return holding == null
        ? Optional.empty()
        : Optional.of(LockValue.parse(name, holding.value(), holding.remainingLeaseMillis()));
  }

  /** As {@link RedisLocks#fencedSet}: the arguments are checked before anything is sent. */
  boolean fencedSet(String key, String value, long fencingToken) {
    Objects.requireNonNull(key, "key must not be null");
    Objects.requireNonNull(value, "value must not be null");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (keys.isLockSpace(key)) {
      throw new IllegalArgumentException("key must not be one of the locks' own keys (those starting with '"
          + keys.prefix() + "{'), was '" + key + "'");
    }
    if (fencingToken <= 0) {
      throw new IllegalArgumentException("fencingToken must be positive, was " + fencingToken);
    }
    lifecycle.checkOpen();
    return replies.await(store.fencedSet(key, value, fencingToken), "fencedSet of '" + key + "'");
  }

  private LockStore.Holding holding(String name, String key) {
    lifecycle.checkOpen();
    return replies.await(store.inspect(key), "inspect of '" + name + "'");
  }
}
