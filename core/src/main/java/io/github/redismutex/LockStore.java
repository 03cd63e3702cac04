package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The lock commands, and the only way the JVM-local logic talks to Redis about locks. {@link LettuceLockStore}
 * is the one production implementation; the jcstress module drives the same local logic with an in-memory one.
 *
 * <p>Every method sends its command and returns the reply to come; callers wait for it through {@link
 * Deadline#await}, so no command outlasts the call that sent it. A reply that never came does not mean the command
 * did not run. Failures arrive as Lettuce's {@code RedisException}s; {@link RedisFailures} tells which of them a
 * retry can cure. Implementations are thread-safe.
 */
interface LockStore {

  /**
   * How much sooner than the lease time, counted from when a command was sent, the lease may end for reasons of
   * clock drift between servers: 0 on one server (its own clock runs the lease); Redlock's allowance on several.
   */
  default long clockDriftMillis(long leaseMillis) {
    return 0;
  }

  /**
   * The earliest moment a lease of {@code leaseMillis} set by a command sent at {@code sentAtNanos} ({@link
   * System#nanoTime}) can end: Redis starts it when it runs the command, which is after it was sent, less the
   * clock-drift allowance. The one rule for every lease end this JVM relies on.
   */
  default long leaseEndNanos(long sentAtNanos, long leaseMillis) {
    return sentAtNanos + TimeUnit.MILLISECONDS.toNanos(leaseMillis - clockDriftMillis(leaseMillis));
  }

  /** Outcome of an acquisition attempt. */
  record Attempt(Outcome outcome, long remainingLeaseMillis, long fencingToken) {
    // HELD by a marking attempt: fencingToken is the lock's fencing counter then (see acquire.lua), else -1
    enum Outcome {
      ACQUIRED, // fencingToken is the hold's: 0 while none was drawn (fence.lua)
      HELD, // not free for the caller: remainingLeaseMillis until it may be (0: not known), -1 when it never expires
      NOT_A_LOCK // the key holds a value that is not a string
    }

    static final Attempt NOT_A_LOCK = new Attempt(Outcome.NOT_A_LOCK, 0, 0);

    static Attempt acquired(long fencingToken) {
      return new Attempt(Outcome.ACQUIRED, 0, fencingToken);
    }

    static Attempt held(long remainingLeaseMillis) {
      return held(remainingLeaseMillis, -1);
    }

    static Attempt held(long remainingLeaseMillis, long fenceCounter) {
      return new Attempt(Outcome.HELD, remainingLeaseMillis, fenceCounter);
    }
  }

  /** A lock key's value and remaining lease ({@code -1}: no expiry), as inspect.lua read them. */
  record Holding(String value, long remainingLeaseMillis) {}

  enum Release {
    RELEASED,
    EXPIRED, // the key was gone: the lease had run out and nobody took the lock since
    TAKEN // another owner holds the key; it was left untouched
  }

  /**
   * Acquires with a fresh hold (fencing token 0: none drawn yet), also when a lost earlier attempt with this token
   * got through, or reports that the lock is not free for the caller. A first attempt ({@code markAwaited} false)
   * may be a single {@code SET NX} that cannot tell how long the holder's lease runs ({@code
   * remainingLeaseMillis} 0) and does not recognise our own token; a marking attempt (acquire.lua) first marks the
   * lock as awaited ({@link LockKeys#waitersKey}) when it is not free, and tells. One round trip.
   *
   * @param metadata the holder part of the key's value, see {@link LockValue}
   */
  CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, boolean markAwaited);

  /**
   * release.lua: compare-and-delete; when the lock was marked as awaited, hands it straight to the oldest queued
   * waiter and publishes "granted &lt;token&gt; &lt;lease ms&gt;" on {@code channel}, or, with nobody queued,
   * publishes "released" and keeps this store's RedisLocks from taking the lock back for a moment, so that a waiter
   * elsewhere gets its turn.
   */
  CompletionStage<Release> release(String key, String token, String channel);

  /**
   * release.lua for an acquisition that gives up: leaves the lock's queue ({@code queueMember}, as acquire.lua
   * queued it), then releases whatever a direct hand-over or an attempt whose answer was lost may have given it.
   */
  default CompletionStage<Release> abandon(String key, String token, String channel, String queueMember) {
    return release(key, token, channel);
  }

  /**
   * fence.lua: the next fencing token for the hold of {@code token}, or 0 when that token no longer owns the key.
   *
   * @param metadata the holder part of the key's value for the drawing thread, see {@link LockValue}
   */
  CompletionStage<Long> drawFencingToken(String key, String token, String metadata);

  /**
   * renew.lua over all the given leases, in as few round trips as batching allows.
   *
   * @return for each lease, in order, whether its owner still holds it
   */
  CompletionStage<boolean[]> renew(List<Lease> leases, long leaseMillis);

  /** extend.lua: the new remaining lease in milliseconds, or -1 when the token no longer owns the key. */
  CompletionStage<Long> extend(String key, String token, long addMillis);

  /** inspect.lua: the key's value and lease, or null when nobody holds the lock. */
  CompletionStage<Holding> inspect(String key);

  /** condition-await.lua: queues a waiter on a condition if {@code token} owns the lock; false if it does not. */
  CompletionStage<Boolean> conditionAwait(
      String key, String token, String queueKey, String waiterId, long heartbeatMillis);

  /** condition-signal.lua: wakes the oldest live waiter, or all; -1 if {@code token} does not own the lock. */
  CompletionStage<Long> conditionSignal(String key, String token, String queueKey, boolean all);

  /**
   * condition-leave.lua: with a positive {@code heartbeatMillis}, renews the waiter's state and reports it (1
   * signalled, 0 waiting, -1 lapsed); with 0, removes the waiter and reports whether it had been signalled.
   */
  CompletionStage<Long> conditionLeave(String key, String queueKey, String waiterId, long heartbeatMillis);

  /** fenced-set.lua: writes {@code value} at {@code key} unless a higher fencing token wrote it before. */
  CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken);
}
