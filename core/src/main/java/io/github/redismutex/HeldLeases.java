package io.github.redismutex;

import java.time.Duration;

/**
 * What the holder of a lock asks of its own lease, without acquiring or releasing: extend it, draw its fencing token,
 * check it. Each call finds the calling thread's lease through the lock's {@link LocalLock} and fails with {@link
 * IllegalMonitorStateException} if the thread holds none.
 *
 * <h2>Fencing</h2>
 * A hold draws its fencing token on the first {@code fencingToken()} call (fence.lua, one round trip), never
 * otherwise, so the uncontended cycle stays at two round trips and four commands.
 *
 * <p>Thread-safe.
 */
final class HeldLeases {
  private final LockTable table;
  private final Collaborators parts;
  private final LockSettings settings;
  private final Replies replies;

  HeldLeases(LockTable table, Collaborators parts, LockSettings settings) {
    this.table = table;
    this.parts = parts;
    this.settings = settings;
    this.replies = new Replies(Duration.ofNanos(settings.commandTimeoutNanos()));
  }

  /** The calling thread's lease of the lock. */
  Lease of(String name, String what) {
    LocalLock local = table.peek(name);
    Lease lease = local == null ? null : local.heldLease();
    if (lease == null) {
      throw notHeld(name, what);
    }
    return lease;
  }

  static IllegalMonitorStateException notHeld(String name, String what) {
    return new IllegalMonitorStateException(
        what + " of '" + name + "' by thread '" + Thread.currentThread().getName() + "', which does not hold it");
  }

  boolean extend(String name, Duration additional) {
    parts.lifecycle().checkOpen();
    Lease lease = of(name, "extend");
    if (lease.isLost()) {
      return false; // never trusted again, whatever the key says now
    }
    long sentAt = System.nanoTime();
    return extended(lease, sentAt,
        replies.await(parts.store().extend(lease.key, lease.token, additional.toMillis()), "extend of '" + name + "'"));
  }

  /** What extend.lua's answer means for the lease: extended (true), or found lost (false, and reported). */
  boolean extended(Lease lease, long sentAtNanos, long newLeaseMillis) {
    if (newLeaseMillis < 0) {
      parts.losses().report(lease, "extend found its key gone or taken");
      return false;
    }
    lease.confirmedUntil(ClockDrift.leaseEndNanos(sentAtNanos, newLeaseMillis));
    return true;
  }

  /**
   * The calling thread's fencing token for the lock: drawn by the hold's first call (one round trip), which checks
   * in the same step that the lease is still ours, so a hold that lost its lease before it asked gets none.
   */
  long fencingToken(String name) {
    Lease lease = of(name, "fencingToken()");
    long token = lease.fencingToken();
    if (token != 0) {
      return token;
    }
    parts.lifecycle().checkOpen();
    if (lease.isLost()) {
      throw noFencingToken(name, lease);
    }
    return drawn(name, lease, replies.await(parts.store().drawFencingToken(lease.key, lease.token,
        LockValue.metadata(settings.processPart())), "fencingToken() of '" + name + "'"));
  }

  /**
   * What fence.lua's answer means for the hold: its token, recorded on the lease; else the exception to throw (a
   * key gone or taken is a lost lease, reported).
   */
  long drawn(String name, Lease lease, long token) {
    if (token > 0) {
      lease.fencingTokenDrawn(token);
      return token;
    }
    if (token == LockStore.COUNTER_NOT_A_NUMBER) {
      throw Acquisition.wrongType(name, LockKeys.fenceKey(lease.key));
    }
    parts.losses().report(lease, "fencingToken() found its key gone or taken");
    throw noFencingToken(name, lease);
  }

  static LeaseExpiredException noFencingToken(String name, Lease lease) {
    return new LeaseExpiredException(name, lease.endsAt(),
        "lease of lock '" + name + "' was found lost at about " + lease.lostAt()
            + " before this hold drew a fencing token; it gets none: unlock, and acquire again");
  }

  /** Whether the calling thread holds the lock with a lease not known to be lost or over; no round trip. */
  boolean isLeaseValid(String name) {
    LocalLock local = table.peek(name);
    Lease lease = local == null ? null : local.heldLease();
    return lease != null && isValid(lease);
  }

  /** Whether a held lease is not known to be lost or over; one past its end is recorded as lost. No round trip. */
  boolean isValid(Lease lease) {
    if (lease.isValid()) {
      return true;
    }
    // Past its end without a confirmed renewal: record the loss, so the answer stays false, the listener is told
    // and unlock() throws, even if a late renewal succeeds after all.
    parts.losses().report(lease, "its end passed without a confirmed renewal");
    return false;
  }
}
