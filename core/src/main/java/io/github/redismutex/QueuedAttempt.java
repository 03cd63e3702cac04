package io.github.redismutex;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * The latest attempt of an acquisition that queued its ticket and was answered: the one attempt a direct hand-over
 * ({@link Grant}) may answer, and the one rule by which an acquisition trusts a grant, blocking ({@link
 * Acquisition}) or not ({@link AsyncAcquisition}).
 *
 * <p>A grant is trusted only when it echoes this attempt's nonce (every attempt has its own, so a grant for an
 * earlier attempt, or one forged by a client that can only publish, is never taken for a fresh one). Its lease is
 * reckoned from this attempt's send time plus the time between the attempt and the hand-over on the server's clock,
 * less the clock allowance of that whole span ({@link ClockDrift}). A span longer than this JVM's own elapsed time
 * by more than 1% and a small slack means the two server times came from different clocks (a failover): the grant
 * is then not relied on, and the next attempt asks instead. Immutable.
 *
 * @param nonce the attempt's ticket nonce
 * @param sentAtNanos when the attempt was sent, on the {@link System#nanoTime} line
 * @param serverMicros the server's time when the attempt ran (acquire.lua's {@code TIME})
 */
record QueuedAttempt(String nonce, long sentAtNanos, long serverMicros) {
  /** What a hand-over's span may exceed this JVM's elapsed time by (1% besides) before it is not relied on. */
  private static final long MESSAGE_SLACK_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

  /**
   * The end of the lease {@code grant} gives this attempt, on the nanoTime line, if the grant may be relied on at
   * {@code nowNanos}: it echoes this attempt's nonce, its span is one server clock's, and its lease has not ended.
   * Empty otherwise: the next attempt finds out what is left (acquire.lua accepts a key that holds our token).
   */
  OptionalLong trustedLeaseEnd(Grant grant, long nowNanos) {
    if (!grant.nonce().equals(nonce)) {
      return OptionalLong.empty();
    }
    long spanMicros = grant.serverMicros() - serverMicros; // attempt to hand-over, on the server's clock
    long spanNanos = TimeUnit.MICROSECONDS.toNanos(spanMicros);
    if (spanNanos - spanNanos / 100 > (nowNanos - sentAtNanos) + MESSAGE_SLACK_NANOS) {
      return OptionalLong.empty(); // later than now by this JVM's clock, beyond the 1% a clock may run fast
    }
    // The allowance covers the whole span the lease end rests on, not only the hand-over's own lease.
    long endsAt = ClockDrift.leaseEndNanos(sentAtNanos, spanMicros / 1000 + grant.leaseMillis());
    return endsAt - nowNanos > 0 ? OptionalLong.of(endsAt) : OptionalLong.empty();
  }
}
