package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * A {@link ReadWriteLock} shared through Redis by every thread of every process that uses the same name, key
 * prefix and server: {@code ReentrantReadWriteLock} semantics across JVMs. Many threads of many processes may hold
 * the {@link #readLock() read lock} at once, or one thread the {@link #writeLock() write lock}, never both. Obtain
 * one from {@link RedisLocks#readWriteLock(String)}:
 *
 * <pre>{@code
 * RedisReadWriteLock prices = locks.readWriteLock("prices");
 * prices.readLock().lock();
 * try {
 *   // readers of all processes run here together; no writer does
 * } finally {
 *   prices.readLock().unlock();
 * }
 * }</pre>
 *
 * <ul>
 *   <li><b>Reentrant</b>: a thread may take the read lock, or the write lock, again while it holds it, at zero round
 *       trips; each {@code lock()} needs its {@code unlock()}.
 *   <li><b>Downgrade</b>: the thread that holds the write lock may take the read lock, and keeps it after it unlocks
 *       the write lock. <b>No upgrade</b>: a thread that holds the read lock is refused the write lock, which would
 *       otherwise wait for ever for its own read hold: {@code tryLock} returns false at once and {@code lock()}
 *       throws {@link IllegalStateException}.
 *   <li><b>Writers first</b>: once a writer waits, new readers wait behind it (a thread's re-entries and a
 *       downgrade excepted), so a stream of readers cannot starve writers. A waiting writer that dies holds new
 *       readers back at most about one lease.
 *   <li><b>Leases</b>: every read hold (one per holding thread of each process) and the write hold has a lease of
 *       its own, renewed in the background like a {@link RedisMutex}'s; a process that dies loses only its own
 *       holds when their leases end. Unlocking a hold whose lease was lost throws {@link LeaseExpiredException}.
 * </ul>
 * The write lock is a {@link RedisMutex} (fencing tokens, extension, conditions, {@code acquireAsync}); the read
 * lock's {@link ReadLock#newCondition()} throws {@link UnsupportedOperationException}, as the JDK's does. Waiters
 * are woken by announced releases, never by polling. Instances are thread-safe.
 */
public final class RedisReadWriteLock implements ReadWriteLock {
  private final String name;
  private final String writeKey;
  private final RedisMutex writeLock;
  private final ReadLock readLock;
  private final ReadWriteStore store;
  private final Replies replies;
  private final Lifecycle lifecycle;

  RedisReadWriteLock(String name, String writeKey, RedisMutex writeLock, ReadSync reads, ReadWriteStore store,
      Replies replies, Lifecycle lifecycle) {
    this.name = name;
    this.writeKey = writeKey;
    this.writeLock = writeLock;
    this.readLock = new ReadLock(name, writeKey, reads);
    this.store = store;
    this.replies = replies;
    this.lifecycle = lifecycle;
  }

  /** The read lock: shared with every reader of every process while no writer holds or awaits the lock. */
  @Override
  public ReadLock readLock() {
    return readLock;
  }

  /** The write lock: exclusive, against readers and writers of every process; a {@link RedisMutex} in all else. */
  @Override
  public RedisMutex writeLock() {
    return writeLock;
  }

  /**
   * The lock's name.
   *
   * @return the name, as given to {@link RedisLocks#readWriteLock(String)}
   */
  public String getName() {
    return name;
  }

  /**
   * The calling thread's read holds. No round trip.
   *
   * @return 0 unless the calling thread holds the read lock
   */
  public int getReadHoldCount() {
    return readLock.getHoldCount();
  }

  /**
   * The calling thread's write holds. No round trip.
   *
   * @return 0 unless the calling thread holds the write lock
   */
  public int getWriteHoldCount() {
    return writeLock.getHoldCount();
  }

  /**
   * Whether a thread of any process holds the write lock: one round trip, unless a thread of this JVM holds it.
   *
   * @return true if the write lock is held
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public boolean isWriteLocked() {
    return writeLock.isLocked();
  }

  /**
   * Whether the calling thread holds the write lock. No round trip.
   *
   * @return true if it does
   */
  public boolean isWriteLockedByCurrentThread() {
    return writeLock.isHeldByCurrentThread();
  }

  /**
   * How many read holds are live across all processes: one per holding thread (its re-entries are counted by its
   * own JVM only, see {@link #getReadHoldCount()}). One round trip; for monitoring, stale on arrival.
   *
   * @return the number of live read holds
   * @throws IllegalStateException if the {@link RedisLocks} is closed
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public int getReadLockCount() {
    lifecycle.checkOpen();
    return Math.toIntExact(replies.await(store.readHolds(writeKey), "read lock count of '" + name + "'"));
  }

  @Override
  public String toString() {
    return "RedisReadWriteLock['" + name + "', read holds=" + getReadHoldCount() + ", write holds="
        + getWriteHoldCount() + " by current thread, key='" + writeKey + "']";
  }

  /**
   * The read lock of a {@link RedisReadWriteLock}. Methods as {@link RedisMutex}'s: {@code lock()} waits through
   * outages, {@code tryLock()} makes one attempt, {@code tryLock(t)} waits at most {@code t}. Thread-safe.
   */
  public static final class ReadLock implements Lock {
    private final String name;
    private final String writeKey;
    private final ReadSync reads;

    ReadLock(String name, String writeKey, ReadSync reads) {
      this.name = name;
      this.writeKey = writeKey;
      this.reads = reads;
    }

    @Override
    public void lock() {
      try {
        reads.acquire(name, writeKey, WaitPolicy.UNINTERRUPTIBLE, Deadline.never());
      } catch (InterruptedException e) {
        throw new AssertionError("lock() does not wait interruptibly", e);
      }
    }

    @Override
    public void lockInterruptibly() throws InterruptedException {
      reads.acquire(name, writeKey, WaitPolicy.INTERRUPTIBLE, Deadline.never());
    }

    @Override
    public boolean tryLock() {
      try {
        return reads.acquire(name, writeKey, WaitPolicy.TRY_ONCE, Deadline.never());
      } catch (InterruptedException e) {
        throw new AssertionError("tryLock() does not wait interruptibly", e);
      }
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
      return WaitPolicy.tryWithin(time, unit, (wait, deadline) -> reads.acquire(name, writeKey, wait, deadline));
    }

    /**
     * As {@link #tryLock(long, TimeUnit)}.
     *
     * @param timeout how long to wait at most; zero or less: one attempt; beyond 292 years: no limit
     * @return true if the read lock was acquired
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean tryLock(Duration timeout) throws InterruptedException {
      return tryLock(WaitPolicy.nanosOf(timeout), TimeUnit.NANOSECONDS);
    }

    /**
     * Releases one read hold; the last one of the calling thread releases its hold in Redis.
     *
     * @throws IllegalMonitorStateException if the calling thread does not hold the read lock
     * @throws LeaseExpiredException if the hold's lease had been lost; the hold is released all the same
     */
    @Override
    public void unlock() {
      reads.release(name);
    }

    /** Always throws: read holds are shared, so a condition of one cannot be awaited (as the JDK's read lock). */
    @Override
    public Condition newCondition() {
      throw new UnsupportedOperationException("the read lock of '" + name + "' has no conditions; use the write"
          + " lock's (readWriteLock.writeLock().newCondition(name))");
    }

    /**
     * Whether the calling thread holds the read lock. No round trip.
     *
     * @return true if it does
     */
    public boolean isHeldByCurrentThread() {
      return getHoldCount() > 0;
    }

    /**
     * The calling thread's read holds. No round trip.
     *
     * @return 0 unless the calling thread holds the read lock
     */
    public int getHoldCount() {
      return reads.holdCount(name);
    }

    /**
     * Whether the calling thread holds the read lock with a lease not known to be lost or past its end. No round
     * trip.
     *
     * @return true if it does
     */
    public boolean isLeaseValid() {
      Lease lease = reads.heldLease(name);
      return lease != null && lease.isValid();
    }

    @Override
    public String toString() {
      int holds = getHoldCount();
      return "RedisReadWriteLock.ReadLock['" + name + "', "
          + (holds > 0 ? "held by current thread, holds=" + holds : "not held by current thread") + "]";
    }
  }
}
