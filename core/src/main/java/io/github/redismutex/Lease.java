package io.github.redismutex;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One acquisition's lease in Redis: the key, the owner token, the current hold's fencing token, and what this JVM
 * knows of when the lease ends. Created by the owning thread when it acquires; renewed by the {@link LeaseWatchdog};
 * passed on from thread to thread by local hand-overs ({@link MutexSync}); retired by the owning thread on unlock.
 *
 * <p>Invariant: once {@link #markLost()} has returned, {@link #isValid()} is false for ever, whatever renewals
 * confirm afterwards: a lease found lost is never trusted again, because another owner may have held the lock in
 * between. Thread-safe.
 */
final class Lease {
  final String name;
  final String key;
  final String token;

  /**
   * The current hold's fencing token, 0 until it draws one. Written by the holding thread; read by others only for
   * reports. A hand-over resets it, so every hold draws a token of its own.
   */
  private volatile long fencingToken;

  /** Consecutive local hand-overs so far; read and written only by holding threads, ordered by the local gate. */
  private int localHandOvers;

  /**
   * The earliest moment the key can expire, from the latest command Redis confirmed set this lease ({@link
   * ClockDrift#leaseEndNanos}).
   */
  private volatile long endsAtNanos;

  /**
   * NOT_LOST while held; the nanoTime the loss was recorded at once lost; RETIRED once its owner began to release
   * it. One atomic, so a loss and a release cannot both be recorded.
   */
  private final AtomicLong lostAtNanos = new AtomicLong(NOT_LOST);
  private static final long NOT_LOST = Long.MIN_VALUE;
  private static final long RETIRED = Long.MIN_VALUE + 1;

  Lease(String name, String key, String token, long fencingToken, long endsAtNanos) {
    this.name = name;
    this.key = key;
    this.token = token;
    this.fencingToken = fencingToken;
    this.endsAtNanos = endsAtNanos;
  }

  long fencingToken() {
    return fencingToken;
  }

  void fencingTokenDrawn(long fencingToken) {
    this.fencingToken = fencingToken;
  }

  int localHandOvers() {
    return localHandOvers;
  }

  /** The holding thread passes the lease to the next local holder, which starts without a fencing token. */
  void handedOver() {
    localHandOvers++;
    fencingToken = 0;
  }

  long endsAtNanos() {
    return endsAtNanos;
  }

  /** A confirmed renewal or extension; never moves the end earlier (a lost race only costs a stale estimate). */
  void confirmedUntil(long endsAtNanos) {
    if (endsAtNanos - this.endsAtNanos > 0) {
      this.endsAtNanos = endsAtNanos;
    }
  }

  /** Records the loss; true only for the first call, so the loss is reported once. */
  boolean markLost() {
    long now = System.nanoTime();
    return lostAtNanos.compareAndSet(NOT_LOST, now == NOT_LOST || now == RETIRED ? RETIRED + 1 : now);
  }

  /** The owner starts releasing: from now on no loss can be recorded. False if a loss was recorded first. */
  boolean retire() {
    return lostAtNanos.compareAndSet(NOT_LOST, RETIRED) || lostAtNanos.get() == RETIRED;
  }

  boolean isLost() {
    long state = lostAtNanos.get();
    return state != NOT_LOST && state != RETIRED;
  }

  /** When the loss was recorded, as nanoTime; meaningful only once {@link #isLost()}. */
  long lostAtNanos() {
    return lostAtNanos.get();
  }

  /** {@link #endsAtNanos()} on the wall clock, to the millisecond, for messages. */
  Instant endsAt() {
    return wallClock(endsAtNanos);
  }

  /** {@link #lostAtNanos()} on the wall clock, to the millisecond, for messages. */
  Instant lostAt() {
    return wallClock(lostAtNanos.get());
  }

  private static Instant wallClock(long nanoTime) {
    return Instant.now().minusNanos(System.nanoTime() - nanoTime).truncatedTo(ChronoUnit.MILLIS);
  }

  /** Held, not lost and, as far as this JVM knows, not past its end. No round trip. */
  boolean isValid() {
    return lostAtNanos.get() == NOT_LOST && endsAtNanos - System.nanoTime() > 0;
  }
}
