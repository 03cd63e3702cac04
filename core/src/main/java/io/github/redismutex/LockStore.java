package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletionStage;

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

  /** Outcome of the scripted acquisition attempt. */
  record Attempt(Outcome outcome, long remainingLeaseMillis) {
    enum Outcome {
      ACQUIRED,
      HELD, // by another owner; remainingLeaseMillis is its lease, or -1 when the key never expires
      NOT_A_LOCK // the key holds a value that is not a string
    }

    static final Attempt ACQUIRED = new Attempt(Outcome.ACQUIRED, 0);
    static final Attempt NOT_A_LOCK = new Attempt(Outcome.NOT_A_LOCK, 0);

    static Attempt held(long remainingLeaseMillis) {
      return new Attempt(Outcome.HELD, remainingLeaseMillis);
    }
  }

  enum Release {
    RELEASED,
    EXPIRED, // the key was gone: the lease had run out and nobody took the lock since
    TAKEN // another owner holds the key; it was left untouched
  }

  /** {@code SET key token NX PX lease}: the one-round-trip uncontended acquisition. */
  CompletionStage<Boolean> trySet(String key, String token, long leaseMillis);

  /**
   * acquire.lua: acquires (also when a lost earlier attempt with this token got through), or marks the lock as
   * awaited ({@link LockKeys#waitersKey}) and reports the holder's remaining lease.
   */
  CompletionStage<Attempt> acquireOrInspect(String key, String token, long leaseMillis);

  /** release.lua: compare-and-delete; publishes on {@code channel} when the lock was marked as awaited. */
  CompletionStage<Release> release(String key, String token, String channel);

  /**
   * renew.lua over all the given leases, in as few round trips as batching allows.
   *
   * @return for each lease, in order, whether its owner still holds it
   */
  CompletionStage<boolean[]> renew(List<Lease> leases, long leaseMillis);

  /** extend.lua: the new remaining lease in milliseconds, or -1 when the token no longer owns the key. */
  CompletionStage<Long> extend(String key, String token, long addMillis);

  /** {@code PTTL key}: -2 when the key does not exist, -1 when it has no expiry. */
  CompletionStage<Long> remainingLeaseMillis(String key);

  /** {@code EXISTS key}. */
  CompletionStage<Boolean> exists(String key);
}
