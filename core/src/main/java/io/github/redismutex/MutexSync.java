package io.github.redismutex;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock algorithm of one {@link RedisLocks}, for every name: what {@link RedisMutex} delegates to (as
 * {@code ReentrantLock} delegates to its {@code Sync}). This class is the skeleton; each step is a role of its own.
 *
 * <h2>Acquire</h2>
 * Take the name's local gate ({@link LocalLock}); a thread that already held it has re-entered and is done, at
 * zero round trips, and so is a thread that finds a lease offered by the previous local holder (a local hand-over,
 * below). Otherwise acquire in Redis ({@link Acquisition}: attempts, the wait for a release, hand-overs between
 * processes, clean-up of an attempt that gives up). On success the {@link Lease} is registered with the {@link
 * LeaseWatchdog} before the call returns.
 *
 * <h2>Release</h2>
 * The outermost unlock either offers the lease to the next thread at the local gate (a local hand-over: no round
 * trip; the key, its owner token and its renewal stay, the fencing token is reset so the next hold draws its own;
 * at most {@code maxLocalHandOvers} in a row, so other processes get their turn) or deregisters it from the
 * watchdog and runs release.lua on the caller's thread ({@link Releaser}). A key that is gone or owned by another
 * token is left untouched and reported as a {@link LeaseExpiredException}.
 *
 * <p>What a holder asks of its own lease (extend it, draw its fencing token, check it) is {@link HeldLeases}.
 *
 * <h2>Time and failures</h2>
 * One {@link Deadline} per call bounds every command, retry and subscription; each command is further capped at
 * the command timeout. A command whose answer never came may still run later: the owner token then keeps it
 * harmless (acquire.lua accepts a key holding our own token, and what an abandoned acquisition may have left is
 * released by {@link UnconfirmedReleases}, again after a reconnect if need be).
 *
 * <p>Thread-safe.
 */
final class MutexSync {
  private static final Logger log = LoggerFactory.getLogger(MutexSync.class);

  private final LockTable table;
  private final Collaborators parts;
  private final LockSettings settings;
  private final Releaser releaser;
  private final InFlight acquisitions = new InFlight(); // acquisitions in Redis, which close() lets finish
  private final ThreadRules rules;

  /**
   * What the calling thread may do besides what a mutex allows every thread: the write lock of a read-write lock
   * refuses a thread that holds its read lock, which would otherwise wait for ever for its own read hold (no
   * upgrade), and does not hand its lease to a local waiter while the unlocking thread holds the read lock (a
   * downgrade: the waiter would write beside it).
   */
  interface ThreadRules {
    /** Why the calling thread may not acquire {@code name}; null when it may. */
    @Nullable String refusal(String name);

    /** Whether the calling thread's outermost unlock of {@code name} may hand its lease to a local waiter. */
    boolean mayHandOver(String name);
  }

  /** A mutex's: any thread may acquire and hand over. */
  private static final ThreadRules MUTEX = new ThreadRules() {
    @Override
    public @Nullable String refusal(String name) {
      return null;
    }

    @Override
    public boolean mayHandOver(String name) {
      return true;
    }
  };

  MutexSync(LockTable table, Collaborators parts, LockSettings settings) {
    this(table, parts, settings, MUTEX);
  }

  MutexSync(LockTable table, Collaborators parts, LockSettings settings, ThreadRules rules) {
    this.table = table;
    this.parts = parts;
    this.settings = settings;
    this.rules = rules;
    Duration commandTimeout = Duration.ofNanos(settings.commandTimeoutNanos());
    this.releaser = new Releaser(parts.store(), parts.releases(), parts.metrics(), commandTimeout);
  }

  /**
   * Wakes every waiting thread (their calls fail with {@link IllegalStateException}) and lets their acquisitions
   * leave Redis tidy (queue entries, attempts whose answer was lost), waiting at most {@code bound} for them.
   */
  void close(Duration bound) {
    parts.waiters().close();
    if (!acquisitions.awaitIdle(bound)) {
      log.debug("{} acquisitions still under way at close", acquisitions.count());
    }
  }

  boolean acquire(String name, WaitPolicy wait, Deadline deadline) throws InterruptedException {
    parts.lifecycle().checkOpen();
    if (wait.interruptible() && Thread.interrupted()) {
      throw new InterruptedException("interrupted before acquiring lock '" + name + "'");
    }
    LocalLock local = table.use(name);
    if (local.holdCount() > 0) { // a re-entry: the gate's hold count is the lock's; nothing to ask Redis
      local.enter(WaitPolicy.UNINTERRUPTIBLE, Deadline.never()); // held by this thread: returns at once
      return true;
    }
    String refusal = rules.refusal(name);
    if (refusal != null) {
      leave(local);
      if (wait == WaitPolicy.INTERRUPTIBLE || wait == WaitPolicy.UNINTERRUPTIBLE) {
        throw new IllegalStateException(refusal); // it would wait for ever: said at once instead
      }
      return false; // a try: the lock is not to be had while the refusal lasts
    }
    return parts.metrics().measured(name, () -> acquireHere(local, wait, deadline));
  }

  /** The calling thread does not hold the lock: takes the gate, then the lock, locally or in Redis. */
  private boolean acquireHere(LocalLock local, WaitPolicy wait, Deadline deadline) throws InterruptedException {
    boolean acquired = false;
    try {
      if (!local.enter(wait, deadline)) {
        return false;
      }
      try {
        acquired = tookOffer(local) || acquireInRedis(local, wait, deadline);
        return acquired;
      } finally {
        if (!acquired) {
          local.exit();
        }
      }
    } finally {
      if (!acquired) {
        leave(local);
      }
    }
  }

  /** A local hand-over: the previous holder's lease, with its key, token and renewal, if it is still valid. */
  private boolean tookOffer(LocalLock local) {
    Lease offered = local.takeOffer();
    if (offered == null) {
      return false;
    }
    if (offered.isValid()) {
      local.hold(offered);
      parts.metrics().handOver(local.name, LockMetrics.HandOver.LOCAL);
      return true;
    }
    letGo(offered); // lost or past its end while on offer: not to be trusted; acquire anew
    return false;
  }

  private boolean acquireInRedis(LocalLock local, WaitPolicy wait, Deadline deadline) throws InterruptedException {
    acquisitions.enter();
    try {
      return new Acquisition(local, wait, deadline, parts, settings).run() != null;
    } finally {
      acquisitions.exit();
    }
  }

  /** Ends one use of the entry; if that leaves an offered lease without a taker, lets it go in Redis. */
  private void leave(LocalLock local) {
    Lease orphan = table.release(local);
    if (orphan != null) {
      letGo(orphan);
    }
  }

  /** Releases a lease nobody holds any more, in the background: kept until Redis confirms it. */
  private void letGo(Lease lease) {
    parts.watchdog().deregister(lease);
    lease.retire();
    parts.releases().release(lease.key, lease.token);
  }

  void release(String name) {
    LocalLock local = heldLocalLock(name, "unlock");
    if (local.reentered()) {
      local.exit(); // inner unlock of a re-entry: no round trip
      leave(local);
      return;
    }
    releaseHolds(local, 1);
  }

  /**
   * For {@code Condition.await}: releases every hold of the calling thread at once (one round trip) and returns how
   * many there were, for {@link #reacquire}.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws IllegalStateException if the thread's rules would refuse it the lock afterwards (a write lock's holder
   *     that also holds the read lock); nothing is released
   * @throws LeaseExpiredException if the lease had been lost; the holds are released all the same
   */
  int releaseAllHolds(String name) {
    LocalLock local = heldLocalLock(name, "await");
    String refusal = rules.refusal(name);
    if (refusal != null) { // it could never take the lock back after the wait: said at once, nothing released
      throw new IllegalStateException("await on a condition of '" + name + "' refused: " + refusal);
    }
    int holds = local.holdCount();
    releaseHolds(local, holds);
    return holds;
  }

  /** After {@code Condition.await}: acquires the lock again, uninterruptibly, with the hold count it had. */
  void reacquire(String name, int holds) {
    try {
      acquire(name, WaitPolicy.UNINTERRUPTIBLE, Deadline.never());
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible acquisition was interrupted", e);
    }
    for (int i = 1; i < holds; i++) { // re-entries, taken directly: nothing can fail half-way
      table.use(name).reenter();
    }
  }

  /** The outermost release: a local hand-over if one is due, else release.lua; then the local holds. */
  private void releaseHolds(LocalLock local, int holds) {
    try {
      parts.metrics().held(local.name, local.heldForNanos());
      boolean mayHandOver = !parts.lifecycle().isClosed() && rules.mayHandOver(local.name);
      Lease lease = local.offerOrGiveUp(mayHandOver ? settings.maxLocalHandOvers() : 0);
      if (lease == null) {
        return; // offered to the next local holder
      }
      parts.watchdog().deregister(lease); // before the release script: no renewal can outlive this unlock
      boolean foundLostBefore = !lease.retire(); // after this, the watchdog cannot report a loss any more
      parts.lifecycle().checkOpen();
      LockStore.Release result = releaser.release(local.name, lease);
      LeaseExpiredException lost =
          Releaser.outcome(parts.losses(), "unlock", local.name, lease, foundLostBefore, result);
      if (lost != null) {
        throw lost;
      }
    } finally {
      for (int i = 0; i < holds; i++) {
        local.exit();
        leave(local);
      }
    }
  }

  private LocalLock heldLocalLock(String name, String what) {
    LocalLock local = table.peek(name);
    if (local == null || local.holdCount() == 0) {
      throw HeldLeases.notHeld(name, what);
    }
    return local;
  }

  /** The calling thread's lease of {@code name}, or null unless it holds the lock. */
  @Nullable Lease heldLease(String name) {
    LocalLock local = table.peek(name);
    return local == null ? null : local.heldLease();
  }

  LockTable table() {
    return table;
  }

  int holdCount(String name) {
    LocalLock local = table.peek(name);
    return local == null ? 0 : local.holdCount();
  }

  /** Whether a thread of this RedisLocks holds the lock (or it is on offer to one): no round trip. */
  boolean isHeldHere(String name) {
    LocalLock local = table.peek(name);
    return local != null && local.isHeldHere();
  }
}
