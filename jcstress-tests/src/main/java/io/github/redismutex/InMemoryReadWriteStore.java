package io.github.redismutex;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ReadWriteStore} of an {@link InMemoryLockStore}: acquire.lua and release.lua with the readers,
 * acquire-read.lua, release-read.lua and read-count.lua, simulated in Java so that jcstress can drive the read-write
 * locks' JVM-local logic ({@link ReadSync}, the write side's {@link MutexSync}) at memory speed.
 *
 * <h2>What is modelled</h2>
 * <ul>
 *   <li>The write key and every reader key ({@link LockKeys#readerKey}) are keys of the {@link InMemoryLockStore},
 *       so that the plain commands the read-write locks send them (renew, extend, inspect, fence) find them there.
 *   <li>The keys only these scripts touch are kept here, per lock ({@link Keys}): the waiters key, the queue of
 *       waiting writers with their tickets' freshness, and the readers set. Each script runs as one {@link
 *       ConcurrentHashMap#compute} step on its lock's entry, its commands on the store's keys inside it (always this
 *       map first, then the store's: no two steps wait for each other), so the read-write scripts of one lock are
 *       atomic against each other, as in Redis. What a script publishes is delivered once the step is over.
 *   <li>The contracts the JVM-local logic can observe: the write key is free only when no reader key in the
 *       readers set lives (dead ones are dropped on the way); a fresh waiting writer's ticket refuses new readers,
 *       except a downgrade, which names the caller's write token and passes whatever waits; the last live reader's
 *       release publishes "released" when the lock is marked as awaited; a writer's release publishes when it was,
 *       and a writer that gives up publishes when others wait, so that the readers it held back look again.
 * </ul>
 * Not modelled, as in {@link InMemoryLockStore}: direct hand-overs ("granted") and the give-way marker ("yield"), so
 * a release with waiters always deletes the key and announces "released", and a woken waiter attempts again (which
 * also covers "no hand-over while a reader lives"); values of the wrong type on these keys; the expiry of the
 * waiters' queue keys (a ticket counts only while fresh); the cap of 100 stale tickets per script. Times are on the
 * {@link System#nanoTime()} line, as the store's leases. Thread-safe.
 */
final class InMemoryReadWriteStore implements ReadWriteStore {
  private static final long GRACE_MILLIS = 1000; // acquire.lua's grace on a ticket's freshness
  private static final String RELEASED = "released";

  private final InMemoryLockStore store;
  /** By write key; an entry is removed when nothing of it is left, as Redis drops empty keys. */
  private final ConcurrentHashMap<String, Keys> locks = new ConcurrentHashMap<>();

  /** The keys of one read-write lock that only its scripts touch. Changed only inside a step on its entry. */
  private static final class Keys {
    @Nullable Long awaitedUntilNanos; // the waiters key, with its expiry; null: absent
    /** The queue and the tickets: waiting writers' tokens, oldest first (ZADD NX), to when their tickets are fresh. */
    final Map<String, Long> waitingWriters = new LinkedHashMap<>();
    final LinkedHashSet<String> readers = new LinkedHashSet<>(); // reader tokens; empty: the set is absent

    boolean isAwaited(long now) {
      if (awaitedUntilNanos != null && awaitedUntilNanos - now <= 0) {
        awaitedUntilNanos = null; // expired
      }
      return awaitedUntilNanos != null;
    }

    /** {@code SET waiters 1 PX (remaining + lease)}: the waiter looks again by then, the mark outlives it. */
    void markAwaited(long now, long remainingMillis, long leaseMillis) {
      awaitedUntilNanos = now + TimeUnit.MILLISECONDS.toNanos(Math.max(remainingMillis, 0) + leaseMillis);
    }

    /** acquire-read.lua's scan: ms until the oldest fresh waiting writer's ticket is stale; stale ones are dropped. */
    @Nullable Long oldestFreshWriter(long now) {
      for (Iterator<Long> fresh = waitingWriters.values().iterator(); fresh.hasNext(); ) {
        long left = fresh.next() - now;
        if (left >= 0) {
          return TimeUnit.NANOSECONDS.toMillis(left);
        }
        fresh.remove();
      }
      return null;
    }

    boolean isEmpty() {
      return awaitedUntilNanos == null && waitingWriters.isEmpty() && readers.isEmpty();
    }
  }

  /** One script's body: its reply, from its lock's keys and the store's, at the step's time. */
  @FunctionalInterface
  private interface Script<R> {
    R run(Keys lock, InMemoryLockStore.ScriptKeys keys, long now);
  }

  InMemoryReadWriteStore(InMemoryLockStore store) {
    this.store = store;
  }

  @Override
  public CompletionStage<LockStore.Attempt> acquireWrite(
      String writeKey, String token, long leaseMillis, String metadata, LockStore.@Nullable Ticket ticket) {
    return script(writeKey, (lock, keys, now) -> {
      String value = keys.getString(writeKey);
      Long longestReader = value == null ? longestReader(writeKey, lock, keys, leaseMillis) : null;
      if (value == null && longestReader == null) { // free: no writer, no live reader
        keys.set(writeKey, token + " 0 " + metadata, leaseMillis);
        return acquiredBy(lock, token, ticket, 0);
      }
      if (InMemoryLockStore.owns(value, token)) { // an earlier attempt of this acquisition got through
        keys.pexpire(writeKey, leaseMillis);
        return acquiredBy(lock, token, ticket, InMemoryLockStore.fencingTokenOf(value));
      }
      long remaining = longestReader != null ? longestReader : keys.pttl(writeKey);
      if (ticket == null) {
        return LockStore.Attempt.held(remaining); // a first attempt marks nothing
      }
      lock.markAwaited(now, remaining, leaseMillis);
      long horizon = remaining >= 0 ? remaining : leaseMillis;
      if (ticket.waitBudgetMillis() >= 0 && ticket.waitBudgetMillis() < horizon) {
        horizon = ticket.waitBudgetMillis();
      }
      long freshFor = horizon + GRACE_MILLIS + horizon / 50;
      lock.waitingWriters.put(token, now + TimeUnit.MILLISECONDS.toNanos(freshFor)); // keeps its place if queued
      return LockStore.Attempt.held(remaining, TimeUnit.NANOSECONDS.toMicros(now));
    });
  }

  /** acquire.lua's longestReader(): the longest live reader lease (no expiry counts as a lease), or null. */
  private static @Nullable Long longestReader(
      String writeKey, Keys lock, InMemoryLockStore.ScriptKeys keys, long leaseMillis) {
    Long longest = null;
    for (Iterator<String> readers = lock.readers.iterator(); readers.hasNext(); ) {
      long left = keys.pttl(LockKeys.readerKey(writeKey, readers.next()));
      if (left == -2) {
        readers.remove(); // its key is gone: the reader died or its lease ran out
      } else {
        longest = Math.max(longest == null ? 0 : longest, left == -1 ? leaseMillis : left);
      }
    }
    return longest;
  }

  /** A queueing attempt that acquired leaves the queue: no later release may hand the lock to it again. */
  private static LockStore.Attempt acquiredBy(
      Keys lock, String token, LockStore.@Nullable Ticket ticket, long fencingToken) {
    if (ticket != null) {
      lock.waitingWriters.remove(token);
    }
    return LockStore.Attempt.acquired(fencingToken);
  }

  @Override
  public CompletionStage<LockStore.Release> releaseWrite(String writeKey, String token, boolean leaving) {
    String channel = LockKeys.releaseChannel(writeKey);
    return script(writeKey, (lock, keys, now) -> {
      if (leaving) {
        lock.waitingWriters.remove(token); // a waiter that gives up leaves the queue first
      }
      String value = keys.getString(writeKey);
      if (!InMemoryLockStore.owns(value, token)) {
        if (leaving && lock.isAwaited(now)) {
          keys.publish(channel, RELEASED); // the readers this writer held back look again
        }
        return value == null ? LockStore.Release.EXPIRED : LockStore.Release.TAKEN;
      }
      keys.del(writeKey);
      if (lock.isAwaited(now)) { // DEL of the waiters key found it: somebody waits
        lock.awaitedUntilNanos = null;
        keys.publish(channel, RELEASED); // with a live reader only this; without, no hand-over is modelled
      }
      return LockStore.Release.RELEASED;
    });
  }

  @Override
  public CompletionStage<LockStore.Attempt> acquireRead(String writeKey, String token, long leaseMillis,
      String metadata, boolean mark, String writerToken) {
    return script(writeKey, (lock, keys, now) -> {
      String value = keys.getString(writeKey);
      boolean downgrade = !writerToken.isEmpty() && InMemoryLockStore.owns(value, writerToken);
      boolean ours = InMemoryLockStore.owns(keys.getString(LockKeys.readerKey(writeKey, token)), token);
      Long remaining = null;
      // a writer holds it, or a fresh waiting writer holds new readers back; a lost answer's hold is ours anyway
      if (!downgrade && !ours) {
        remaining = value != null ? Long.valueOf(keys.pttl(writeKey)) : lock.oldestFreshWriter(now);
      }
      if (remaining != null) {
        if (mark) {
          lock.markAwaited(now, remaining, leaseMillis);
        }
        return LockStore.Attempt.held(remaining);
      }
      String readerKey = LockKeys.readerKey(writeKey, token);
      if (InMemoryLockStore.owns(keys.getString(readerKey), token)) {
        keys.pexpire(readerKey, leaseMillis); // an earlier attempt got through, but its answer was lost
      } else {
        keys.set(readerKey, token + " 0 " + metadata, leaseMillis);
      }
      lock.readers.add(token);
      return LockStore.Attempt.acquired(0);
    });
  }

  @Override
  public CompletionStage<LockStore.Release> releaseRead(String writeKey, String token) {
    String readerKey = LockKeys.readerKey(writeKey, token);
    return script(writeKey, (lock, keys, now) -> {
      String value = keys.getString(readerKey);
      if (value != null && !InMemoryLockStore.owns(value, token)) {
        return LockStore.Release.TAKEN;
      }
      LockStore.Release code = LockStore.Release.EXPIRED; // the lease had run out: still drop it from the set
      if (value != null) {
        keys.del(readerKey);
        code = LockStore.Release.RELEASED;
      }
      if (lock.readers.isEmpty()) {
        return code; // no readers set
      }
      lock.readers.remove(token);
      if (code != LockStore.Release.RELEASED || !lock.isAwaited(now)) {
        return code; // nothing was released, or nobody waits
      }
      for (Iterator<String> readers = lock.readers.iterator(); readers.hasNext(); ) {
        if (keys.pttl(LockKeys.readerKey(writeKey, readers.next())) != -2) {
          return code; // another reader still holds it: a waiting writer still cannot enter
        }
        readers.remove();
      }
      lock.awaitedUntilNanos = null;
      keys.publish(LockKeys.releaseChannel(writeKey), RELEASED);
      return code;
    });
  }

  @Override
  public CompletionStage<Long> readHolds(String writeKey) {
    return script(writeKey, (lock, keys, now) ->
        lock.readers.stream().filter(r -> keys.pttl(LockKeys.readerKey(writeKey, r)) != -2).count());
  }

  /**
   * What a finished test must not leave behind at a lock: readers in its readers set and waiting writers' tickets
   * (the waiters key may stay: in Redis it expires by itself, and nothing waits on it).
   */
  int leftovers(String writeKey) {
    return script(writeKey, (lock, keys, now) -> lock.readers.size() + lock.waitingWriters.size())
        .toCompletableFuture().join();
  }

  /**
   * Runs a script as one step on its lock's entry, then delivers what it published.
   *
   * @return the reply, complete at once; failed as Redis would reply with an error
   */
  private <R> CompletionStage<R> script(String writeKey, Script<R> script) {
    InMemoryLockStore.ScriptKeys keys = store.scriptKeys();
    Object[] reply = new Object[1];
    try {
      locks.compute(writeKey, (k, stored) -> {
        Keys lock = stored == null ? new Keys() : stored;
        reply[0] = script.run(lock, keys, System.nanoTime());
        return lock.isEmpty() ? null : lock;
      });
    } catch (RedisCommandExecutionException e) {
      return CompletableFuture.failedFuture(e);
    } finally {
      keys.deliver();
    }
    @SuppressWarnings("unchecked")
    R result = (R) reply[0];
    return CompletableFuture.completedFuture(result);
  }
}
