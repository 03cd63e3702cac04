package io.github.redismutex;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link RedisMutex#unlock()} when the calling thread held the lock in this JVM but its lease in Redis had
 * ended or was found lost before: the key expired (a long pause, a lost connection, a Redis restart without
 * persistence) and may since have been taken by another owner. Another owner's key is left untouched, and the
 * thread no longer holds the lock. Also thrown by a {@link RedisMutex#fencingToken()} that would have drawn a token
 * for such a hold; the thread then still holds the lock in this JVM and should unlock it.
 *
 * <p>It is an {@link IllegalMonitorStateException}, so code written against {@link java.util.concurrent.locks.Lock}
 * keeps working, while callers that care can tell a lost lease from an unlock by the wrong thread: work done in
 * the critical section after {@link #leaseEndedAt()} was not protected by the lock.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class LeaseExpiredException extends IllegalMonitorStateException {
  private static final long serialVersionUID = 1L;

  /** As given to {@link RedisLocks#mutex(String)}. */
  private final String lockName;
  /** When the lease ended by this JVM's estimate; see {@link #leaseEndedAt()}. */
  private final Instant leaseEndedAt;

  /**
   * @param foundLostAt when the watchdog or extend found the lease lost before unlock, or null
   * @param keyState what unlock's release found: the key gone, another owner's, or (after a loss found earlier)
   *     still ours and now deleted; null when Redis could not be reached before the lease's end
   */
  LeaseExpiredException(String lockName, Instant leaseEndedAt, @Nullable Instant foundLostAt,
      LockStore.@Nullable Release keyState) {
    super("lease of lock '" + lockName + "' "
        + (foundLostAt == null
            ? "ended at about " + leaseEndedAt
            : "was found lost at about " + foundLostAt + " (it ended at about " + leaseEndedAt + " or later)")
        + (keyState == null
            ? "; Redis could not be reached to release it, and its key has expired by now"
            : switch (keyState) {
              case TAKEN -> "; another owner holds it now and its key was left untouched";
              case EXPIRED -> "; the key had expired and nobody holds it now";
              case RELEASED -> "; its key was still there and is deleted now, but the lock was not safely held since";
            }));
    this.lockName = lockName;
    this.leaseEndedAt = leaseEndedAt;
  }

  /** For a lease found lost elsewhere than in unlock: {@code message} says where and what follows. */
  LeaseExpiredException(String lockName, Instant leaseEndedAt, String message) {
    super(message);
    this.lockName = lockName;
    this.leaseEndedAt = leaseEndedAt;
  }

  /**
   * The name of the lock whose lease ended.
   *
   * @return the name given to {@link RedisLocks#mutex(String)}
   */
  public String lockName() {
    return lockName;
  }

  /**
   * When the lease ended as far as this JVM can tell: the latest renewal Redis confirmed plus the lease time.
   * The key may have expired a little later (the estimate counts from when the renewal was sent), never earlier.
   *
   * @return the estimated end, by this JVM's clock
   */
  public Instant leaseEndedAt() {
    return leaseEndedAt;
  }
}
