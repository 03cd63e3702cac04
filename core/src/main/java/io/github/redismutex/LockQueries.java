package io.github.redismutex;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;

/**
 * What anyone may ask Redis about a lock, held or not, and the fenced write: one round trip each, answered by one
 * atomic script ({@link LockStore#inspect}, {@link LockStore#fencedSet}). Thread-safe.
 */
final class LockQueries {
  private final LockStore store;
  private final Replies replies;
  private final Lifecycle lifecycle;

  LockQueries(LockStore store, Replies replies, Lifecycle lifecycle) {
    this.store = store;
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

  boolean fencedSet(String key, String value, long fencingToken) {
    lifecycle.checkOpen();
    return replies.await(store.fencedSet(key, value, fencingToken), "fencedSet of '" + key + "'");
  }

  private LockStore.Holding holding(String name, String key) {
    lifecycle.checkOpen();
    return replies.await(store.inspect(key), "inspect of '" + name + "'");
  }
}
