package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The lock commands, and the only way the JVM-local logic talks to Redis about locks. {@link LettuceLockStore}
 * serves one server or a cluster, {@link RedlockLockStore} a majority of independent servers; the jcstress module
 * drives the same local logic with an in-memory one.
 *
 * <p>Every method sends its command and returns the reply to come; callers wait for it through {@link
 * Deadline#await}, so no command outlasts the call that sent it. A reply that never came does not mean the command
 * did not run. Failures arrive as Lettuce's {@code RedisException}s; {@link RedisFailures} tells which of them a
 * retry can cure. Implementations are thread-safe.
 */
interface LockStore {

  /**
   * A waiting attempt's ticket: the attempt's own random nonce, which a direct hand-over to it must echo, and how
   * long its caller waits at most from now ({@code -1}: without a limit), which bounds how long its queue entry
   * counts as fresh (acquire.lua).
   */
  record Ticket(String nonce, long waitBudgetMillis) {}

  /**
   * Outcome of an acquisition attempt. {@code uncertain}: not acquired as a whole, but it may have set the key
   * somewhere (Redlock: a server that failed, or had not answered when the vote was decided), so an acquisition
   * that ends without the lock must clean up after it.
   */
  record Attempt(Outcome outcome, long remainingLeaseMillis, long fencingToken, long serverMicros,
      @Nullable String badKey, boolean uncertain) {
    enum Outcome {
      ACQUIRED, // fencingToken is the hold's: 0 while none was drawn (fence.lua)
      HELD, // not free for the caller: remainingLeaseMillis until it may be (0: not known), -1 when it never expires
      NOT_A_LOCK, // the lock key holds a value that is not a string
      WRONG_TYPE // another key of the lock (badKey) holds a value of the wrong type; nothing was changed
    }

    static final Attempt NOT_A_LOCK = new Attempt(Outcome.NOT_A_LOCK, 0, 0, -1, null, false);

    static Attempt acquired(long fencingToken) {
      return new Attempt(Outcome.ACQUIRED, 0, fencingToken, -1, null, false);
    }

    static Attempt held(long remainingLeaseMillis) {
      return held(remainingLeaseMillis, -1);
    }

    /** @param serverMicros the server's time when a queueing attempt ran, in microseconds; -1 when not queued */
    static Attempt held(long remainingLeaseMillis, long serverMicros) {
      return new Attempt(Outcome.HELD, remainingLeaseMillis, 0, serverMicros, null, false);
    }

    static Attempt wrongType(String badKey) {
      return new Attempt(Outcome.WRONG_TYPE, 0, 0, -1, badKey, false);
    }

    /** This outcome, marked {@link #uncertain}. */
    Attempt uncertainly() {
      return new Attempt(outcome, remainingLeaseMillis, fencingToken, serverMicros, badKey, true);
    }
  }

  /** A lock key's value and remaining lease ({@code -1}: no expiry), as inspect.lua read them. */
  record Holding(String value, long remainingLeaseMillis) {}

  enum Release {
    RELEASED,
    EXPIRED, // the key was gone: the lease had run out and nobody took the lock since
    TAKEN // another owner holds the key; it was left untouched
  }

  /** What {@link #drawFencingToken} answers when the lock's counter is not a number; nothing was changed. */
  long COUNTER_NOT_A_NUMBER = -2;

  /**
   * Acquires with a fresh hold (fencing token 0: none drawn yet), also when a lost earlier attempt with this token
   * got through, or reports that the lock is not free for the caller. A first attempt ({@code ticket} null) may be a
   * single {@code SET NX} that cannot tell how long the holder's lease runs ({@code remainingLeaseMillis} 0) and
   * does not recognise our own token; a waiting attempt (acquire.lua) first marks the lock as awaited ({@link
   * LockKeys#waitersKey}) when it is not free, queues the ticket where the deployment hands locks over directly, and
   * tells. One round trip.
   *
   * @param metadata the holder part of the key's value, see {@link LockValue}
   */
  CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket);

  /**
   * The key an acquisition of {@code key} by {@code token} holds its lease at, which renewals, releases and
   * clean-ups name: the lock key itself, except for read holds ({@link ReadWriteHoldStore.Reads}).
   */
  default String leaseKey(String key, String token) {
    return key;
  }

  /**
   * Whether a lock handed to {@code token} by a release ("granted") may be relied on: always, where nothing more than
   * the grant is needed (no round trip); where replicas must acknowledge holds, once they have it ({@link
   * AcknowledgedLockStore}). False when the key is no longer the token's.
   */
  default CompletionStage<Boolean> confirmHandOver(String key, String token) {
    return CompletableFuture.completedFuture(true);
  }

  /**
   * release.lua: compare-and-delete; when the lock was marked as awaited, hands it straight to the oldest waiter
   * with a fresh ticket and publishes "granted …" on {@code channel}, or, with none, publishes "released" and keeps
   * this store's RedisLocks from taking the lock back for a moment, so that a waiter elsewhere gets its turn.
   */
  CompletionStage<Release> release(String key, String token, String channel);

  /**
   * release.lua for an acquisition that gives up: leaves the lock's queue, then releases whatever a direct hand-over
   * or an attempt whose answer was lost may have given it.
   */
  CompletionStage<Release> abandon(String key, String token, String channel);

  /**
   * fence.lua: the next fencing token for the hold of {@code token}; 0 when that token no longer owns the key;
   * {@link #COUNTER_NOT_A_NUMBER}.
   *
   * @param metadata the holder part of the key's value for the drawing thread, see {@link LockValue}
   */
  CompletionStage<Long> drawFencingToken(String key, String token, String metadata);

  /**
   * renew.lua over all the given leases, in as few round trips as batching allows.
   *
   * @return for each lease, in order: the milliseconds that were left of it when Redis renewed it, or -1 when its
   *     owner no longer holds it
   */
  CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis);

  /** extend.lua: the new remaining lease in milliseconds, or -1 when the token no longer owns the key. */
  CompletionStage<Long> extend(String key, String token, long addMillis);

  /** inspect.lua: the key's value and lease, or null when nobody holds the lock. */
  CompletionStage<@Nullable Holding> inspect(String key);

  /** fenced-set.lua: writes {@code value} at {@code key} unless a higher fencing token wrote it before. */
  CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken);
}
