package io.github.redismutex;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The JVM-local side of one lock name in one {@link RedisLocks}, shared by every {@link RedisMutex} handle of that
 * name: the gate (the local queue), the lease the gate's owner holds, and a lease offered for a local hand-over.
 *
 * <p>The gate is taken before going to Redis and kept while the lock is held, so at most one thread per name and
 * JVM contends in Redis (no herd), the others park locally without sending a command, and re-entry is the gate's
 * own hold count, at no round trip. The gate is fair, so local hand-overs go in arrival order.
 *
 * <p>Invariants, kept here:
 * <ul>
 *   <li>{@code lease} is non-null exactly while the gate's owner holds the lock in Redis; only that owner writes it.
 *   <li>{@code offered} is non-null only between an outermost unlock that handed the lease over and the next gate
 *       owner taking it, or, if every thread waiting at the gate gave up, the last use of the entry ending (then
 *       {@link LockTable#release} hands it back to be let go in Redis). A thread that takes the gate finds the offer
 *       before anything else.
 * </ul>
 * Thread-safe.
 */
final class LocalLock {
  final String name;
  final String key;
  private final ReentrantLock gate = new ReentrantLock(true);
  private volatile @Nullable Lease lease; // see the class invariants
  private volatile @Nullable Lease offered; // see the class invariants
  private long heldSinceNanos; // when the gate's owner began to hold the lock; written and read only by that owner

  /** Holds plus calls in progress; the entry leaves its {@link LockTable} at 0. Guarded by the table's map. */
  int users;

  LocalLock(String name, String key) {
    this.name = name;
    this.key = key;
  }

  /** Takes the gate as {@code wait} allows: false if it could not (a try, or the deadline passed first). */
  boolean enter(WaitPolicy wait, Deadline deadline) throws InterruptedException {
    return switch (wait) {
      case TRY_ONCE, TRY_NO_WAIT -> gate.tryLock();
      case TIMED -> gate.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
      case INTERRUPTIBLE -> {
        gate.lockInterruptibly();
        yield true;
      }
      case UNINTERRUPTIBLE -> {
        gate.lock();
        yield true;
      }
    };
  }

  /** Takes the gate once more for a thread that holds the lock (restoring hold counts after a condition wait). */
  void reenter() {
    gate.lock();
  }

  /** After {@link #enter}: whether the calling thread already held the lock, so this is a re-entry. */
  boolean reentered() {
    return gate.getHoldCount() > 1 && lease != null;
  }

  /** Gives up one hold of the gate (a re-entry's unlock, or one of the holds an outermost release drops). */
  void exit() {
    gate.unlock();
  }

  /**
   * For the thread that just took the gate: the lease the previous local holder offered, now this thread's to hold
   * or to let go; null when none was offered.
   */
  @Nullable Lease takeOffer() {
    Lease taken = offered;
    offered = null;
    return taken;
  }

  /** The gate's owner now holds the lock in Redis with {@code acquired}. */
  void hold(Lease acquired) {
    heldSinceNanos = System.nanoTime();
    lease = acquired;
  }

  /** For the gate's owner: how long it has held the lock. */
  long heldForNanos() {
    return System.nanoTime() - heldSinceNanos;
  }

  /**
   * The gate's owner's outermost release: offers the lease to the next thread at the gate when one waits, the lease
   * is still valid and fewer than {@code maxHandOvers} hand-overs preceded it in a row; else gives it up. Either way
   * this thread no longer holds it.
   *
   * @return null when offered (nothing to release in Redis), else the lease to release
   */
  @Nullable Lease offerOrGiveUp(int maxHandOvers) {
    Lease released = lease;
    if (released == null) { // the caller checked that it holds the gate, so it holds the lease (class invariants)
      throw new IllegalStateException("an outermost release of '" + name + "' without a lease");
    }
    lease = null;
    if (released.localHandOvers() < maxHandOvers && gate.hasQueuedThreads() && released.isValid()) {
      released.handedOver();
      offered = released; // before the gate opens: the next owner finds it
      return null;
    }
    return released;
  }

  /** The calling thread's lease, or null unless it holds the lock. */
  @Nullable Lease heldLease() {
    Lease held = lease;
    return held != null && gate.isHeldByCurrentThread() ? held : null;
  }

  /** Hold count of the calling thread: 0 unless it holds the lock. */
  int holdCount() {
    return lease != null && gate.isHeldByCurrentThread() ? gate.getHoldCount() : 0;
  }

  /** Whether threads wait at the gate: for tests. */
  boolean hasQueuedThreads() {
    return gate.hasQueuedThreads();
  }

  /** Whether some thread of this JVM holds the lock or it is on offer to one: true without asking Redis. */
  boolean isHeldHere() {
    return lease != null || offered != null;
  }
}
