package io.github.redismutex;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;

/**
 * A reentrant mutual-exclusion {@link Lock} shared through Redis by every thread of every process that uses the
 * same name, key prefix and server: {@code ReentrantLock} semantics across JVMs. Obtain one from {@link
 * RedisLocks#mutex(String)} and use the usual idiom:
 *
 * <pre>{@code
 * RedisMutex lock = locks.mutex("orders:42");
 * lock.lock();
 * try {
 *   // only one thread of all processes runs here at a time
 * } finally {
 *   lock.unlock();
 * }
 * }</pre>
 *
 * <p>The lock is owned by a thread: the thread that acquired it must release it, and may acquire it again without
 * blocking (each {@code lock()} needs its {@code unlock()}). A re-entry and its unlock cost no Redis round trip.
 * While held, the lock's lease in Redis is renewed in the background, so it stays held as long as the process runs;
 * if the process dies, it frees itself within the lease. If the lease is lost anyway (the process was paused past
 * it, Redis restarted without persistence), {@link #isLeaseValid()} turns false, the {@link LeaseLostListener} is
 * told, and {@link #unlock()} says so with a {@link LeaseExpiredException}. Each acquisition carries a {@link
 * #fencingToken() fencing token} with which the protected resource can refuse a holder that lost its lease.
 *
 * <p>Two handles with the same name from one {@link RedisLocks} are the same lock; handles from two different
 * {@code RedisLocks} behave like two processes. A handle is cheap and holds no resources: keep it or ask for it
 * again, as convenient.
 *
 * <p>Blocked threads wait without polling Redis: they are woken by Redis pub/sub when the lock is released or its
 * lease runs out. Within a JVM, threads wait in a local queue and only one of them at a time asks Redis.
 *
 * <p>Failures: besides the JDK's exceptions and {@link LeaseExpiredException}, a call that must reach Redis may
 * throw one of three Lettuce exceptions, all {@code io.lettuce.core.RedisException}s, as each method says: {@code
 * RedisConnectionException} (Redis unreachable), {@code RedisCommandTimeoutException} (no answer within the command
 * timeout) and {@code RedisCommandExecutionException} (an error reply that retrying cannot cure: no permission, out
 * of memory). They are Lettuce's own rather than wrapped, so code that already handles Lettuce's failures handles
 * these. {@code lock()} and {@code tryLock(t)} never throw them for an outage: they wait it out.
 *
 * <p>Instances are thread-safe.
 */
public final class RedisMutex implements Lock {
  /**
   * How long {@code tryLock(time, unit)} with a time of zero or less waits for Redis to answer its one attempt: it
   * does not wait for the lock, nor for a slow or unreachable Redis beyond this.
   */
  static final Duration NO_WAIT_REPLY_BUDGET = Duration.ofMillis(10);

  private final String name;
  private final String key;
  private final MutexSync sync;
  private final AsyncSync async;
  private final HeldLeases leases;
  private final LockQueries queries;
  private final Optional<Conditions> conditions;
  private final Duration commandTimeout;
  private final String whyNoConditions;

  RedisMutex(String name, String key, MutexSync sync, AsyncSync async, HeldLeases leases, LockQueries queries,
      Optional<Conditions> conditions, Duration commandTimeout, String whyNoConditions) {
    this.name = name;
    this.key = key;
    this.sync = sync;
    this.async = async;
    this.leases = leases;
    this.queries = queries;
    this.conditions = conditions;
    this.commandTimeout = commandTimeout;
    this.whyNoConditions = whyNoConditions;
  }

  /**
   * Acquires the lock, waiting as long as it takes. Not interruptible: an interrupt while waiting is remembered
   * and the thread's interrupt flag is set when this method returns. Waits through a Redis outage, retrying with
   * bounded back-off, and goes on when Redis is back.
   *
   * <p>Round trips: none for a re-entry; one when the lock is free; while another owner holds it, one to subscribe
   * and one per wake-up.
   *
   * @throws IllegalStateException if the {@link RedisLocks} is closed, or the lock key holds a value that redis-mutex
   *     did not write
   * @throws io.lettuce.core.RedisException for an error reply that retrying cannot cure (no permission, out of memory)
   */
  @Override
  public void lock() {
    try {
      sync.acquire(name, WaitPolicy.UNINTERRUPTIBLE, Deadline.never());
    } catch (InterruptedException e) {
      throw new AssertionError("lock() does not wait interruptibly", e);
    }
  }

  /**
   * Acquires the lock unless the thread is interrupted, before or during the call. On {@link InterruptedException}
   * the lock is not held, and the interrupt flag is cleared, as with {@code ReentrantLock}. Otherwise as {@link
   * #lock()}.
   */
  @Override
  public void lockInterruptibly() throws InterruptedException {
    sync.acquire(name, WaitPolicy.INTERRUPTIBLE, Deadline.never());
  }

  /**
   * Acquires the lock only if it is free now (or already held by this thread). One round trip, bounded by the
   * command timeout; does not wait for a holder. Ignores interrupts.
   *
   * @return true if the lock is now held by this thread
   * @throws io.lettuce.core.RedisException if Redis could not be reached
   */
  @Override
  public boolean tryLock() {
    try {
      return sync.acquire(name, WaitPolicy.TRY_ONCE, Deadline.never());
    } catch (InterruptedException e) {
      throw new AssertionError("tryLock() does not wait interruptibly", e);
    }
  }

  /**
   * Acquires the lock if it becomes free within the given time. One deadline bounds the whole call, every Redis
   * command and retry inside it included: the call returns within {@code time} plus a few milliseconds, even when
   * Redis is slow or down (then it returns false). A time of zero or less does not wait at all: one attempt, whose
   * answer it waits for at most 10 ms, as the smallest positive time would (false when Redis does not answer in
   * that time, or cannot be reached); a huge time (up to {@code Long.MAX_VALUE} of any unit) means no limit.
   * Interruptible, before and during the call.
   *
   * @return true if the lock is now held by this thread, false if the time ran out first
   * @throws NullPointerException if {@code unit} is null
   */
  @Override
  public boolean tryLock(long time, TimeUnit unit) throws InterruptedException {
    return WaitPolicy.tryWithin(time, unit, (wait, deadline) -> sync.acquire(name, wait, deadline));
  }

  /**
   * {@link #tryLock(long, TimeUnit)} with the time as a {@link Duration}.
   *
   * @param timeout the longest wait for the lock; zero or less for one attempt without waiting, beyond about 292
   *     years for no limit
   * @return true if the lock is now held by this thread, false if the time ran out first
   * @throws NullPointerException if {@code timeout} is null
   * @throws InterruptedException if the thread was interrupted before or during the call; the lock is not held then
   */
  public boolean tryLock(Duration timeout) throws InterruptedException {
    return tryLock(WaitPolicy.nanosOf(timeout), TimeUnit.NANOSECONDS);
  }

  /**
   * Acquires the lock without blocking, waiting as long as it takes, as {@link #lock()} does (through outages too):
   * the stage completes with a {@link LockHold} once the lock is held. No thread waits meanwhile: the acquisition
   * is driven by Redis's replies and wake-ups on the {@code RedisLocks}' one async thread, where the stage completes.
   * The hold owns the lock, not a thread: see {@link LockHold}. Acquisitions of one name from one {@code
   * RedisLocks} queue in this JVM in arrival order, and only the first of them asks Redis at a time.
   *
   * <p>Cancelling the stage ({@code toCompletableFuture().cancel(false)}, which is the stage itself), or
   * completing it in any other way, abandons the acquisition: it leaves the queues in Redis, and a hold that comes
   * anyway is released, never leaked. Round trips: as {@link #lock()}.
   *
   * @return completes with the hold; exceptionally with {@link IllegalStateException} if the {@link RedisLocks} is
   *     or gets closed first, or the lock key holds a value redis-mutex did not write, or with Lettuce's {@code
   *     RedisException} for an error reply that retrying cannot cure
   */
  public CompletionStage<LockHold> acquireAsync() {
    return async.acquire(name, key, null);
  }

  /**
   * {@link #acquireAsync()} with a bound: as {@link #tryLock(Duration)}, one deadline bounds the whole acquisition,
   * every Redis command inside it included, also when Redis is slow or down. Zero means one attempt, without waiting
   * for a holder (nor behind another {@code acquireAsync} of this name in this JVM), whose answer it waits for at
   * most 10 ms; beyond about 292 years, no limit.
   *
   * @param timeout the longest wait for the lock; zero or more
   * @return completes with the hold; exceptionally with {@link java.util.concurrent.TimeoutException} within a few
   *     milliseconds of the deadline if the lock was not acquired by then (nothing is left behind in Redis), or as
   *     {@link #acquireAsync()} says
   * @throws NullPointerException if {@code timeout} is null
   * @throws IllegalArgumentException if {@code timeout} is negative; nothing is started then
   */
  public CompletionStage<LockHold> acquireAsync(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout must not be null");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative, was " + timeout);
    }
    return async.acquire(name, key, timeout);
  }

  /**
   * Releases one hold; the outermost unlock releases the lock in Redis (one round trip, on the calling thread), or
   * hands it to a thread of this {@link RedisLocks} that waits for it (see {@link
   * RedisLocksBuilder#maxLocalHandOvers}; no round trip). Not interruptible.
   *
   * @throws IllegalMonitorStateException if this thread does not hold the lock; nothing changes then
   * @throws LeaseExpiredException if this thread held the lock but its lease had ended, or had been found lost
   *     before (see {@link #isLeaseValid()}); another owner's key is left untouched, and this thread no longer holds
   *     the lock
   * @throws IllegalStateException if the {@link RedisLocks} was closed; the hold is dropped and the key expires
   *     by itself within its lease
   * @throws io.lettuce.core.RedisException if Redis could not be reached ({@code RedisConnectionException}) or did
   *     not answer ({@code RedisCommandTimeoutException}) within the command timeout while the lease still ran; the
   *     hold is dropped, the release may still run when Redis answers, else the key expires by itself at the lease's
   *     end (past that end, {@link LeaseExpiredException} is thrown instead)
   */
  @Override
  public void unlock() {
    sync.release(name);
  }

  /**
   * A new condition private to the returned object: unnamed, so only threads that share this {@code Condition}
   * object (in this JVM) can signal each other through it, as with {@code ReentrantLock}. For a condition that
   * other processes can reach, use {@link #newCondition(String)}.
   *
   * @throws UnsupportedOperationException in Redlock mode ({@link RedisLocksBuilder#redlock})
   */
  @Override
  public Condition newCondition() {
    return condition("unnamed-" + UUID.randomUUID());
  }

  /**
   * The condition of this lock with the given name: every process that asks for the same lock (name, key prefix,
   * server) and condition name gets the same condition, so a thread in one process can {@code signal()} a thread
   * waiting in another. The {@link Condition} contract holds across processes:
   * <ul>
   *   <li>every method requires the calling thread to hold this lock ({@link IllegalMonitorStateException});
   *   <li>{@code await} releases the lock fully, whatever the hold count, waits, and acquires it again with the same
   *       hold count before it returns or throws, also on timeout and interrupt;
   *   <li>{@code signal()} wakes the longest-waiting thread of any process (FIFO), {@code signalAll()} every thread
   *       waiting at that moment; a signal with nobody waiting is not remembered;
   *   <li>no signal is lost: one sent after {@code await} began reaches the waiter even if its message is lost (a
   *       heartbeat re-reads the state every third of the lease); where that cannot be known (an outage longer than
   *       a lease), the waiter wakes as if signalled instead. A waiter of a crashed process is dropped once its
   *       heartbeat lapses, within one lease; a signal sent before that is absorbed by it;
   *   <li>spurious wake-ups happen only then: a waiter stalled, or Redis unreachable, for about a lease.
   * </ul>
   * Round trips: {@code await} subscribes, queues, releases, leaves and re-acquires (about 5), plus one heartbeat
   * every third of the lease; {@code signal} and {@code signalAll} one each. Handles are cheap: ask again as needed.
   *
   * @param conditionName 1 to 1024 bytes of UTF-8, as for lock names
   * @throws NullPointerException if {@code conditionName} is null
   * @throws IllegalArgumentException if {@code conditionName} is empty, too long or not valid Unicode
   * @return a handle on the condition, bound to this lock
   * @throws UnsupportedOperationException in Redlock mode ({@link RedisLocksBuilder#redlock})
   */
  public Condition newCondition(String conditionName) {
    LockKeys.checkName("conditionName", conditionName);
    return condition(conditionName);
  }

  private Condition condition(String conditionName) {
    return conditions.orElseThrow(() -> new UnsupportedOperationException(whyNoConditions))
        .of(new MutexHold(sync, leases, name, key), conditionName);
  }

  /**
   * Whether any thread of any process holds the lock. No round trip when a thread of this {@link RedisLocks}
   * holds it, else one (EXISTS). For monitoring, not for synchronisation: the answer may be stale on arrival.
   *
   * @return true if an owner held the lock when asked
   * @throws IllegalStateException if the {@link RedisLocks} is closed
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public boolean isLocked() {
    return sync.isHeldHere(name) || queries.isLocked(name, key);
  }

  /**
   * Whether the calling thread holds the lock. No round trip.
   *
   * @return true while it holds the lock in this JVM, also after its lease was lost (see {@link #isLeaseValid()})
   */
  public boolean isHeldByCurrentThread() {
    return sync.holdCount(name) > 0;
  }

  /**
   * How many holds the calling thread has on the lock. No round trip.
   *
   * @return its acquisitions not yet matched by an unlock; 0 when it does not hold the lock
   */
  public int getHoldCount() {
    return sync.holdCount(name);
  }

  /**
   * Adds time to the calling thread's lease in Redis (the @upstash/lock SDK's {@code extend}), for example before
   * a step that may stall the renewals. The background renewal never shortens an extended lease. One round trip.
   *
   * @param additional time to add to the remaining lease; positive, at most {@link RedisLocks#MAX_LEASE_TIME}
   * @return true if extended; false if the lease had already been lost (then {@link #unlock()} will throw {@link
   *     LeaseExpiredException})
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   */
  public boolean extend(Duration additional) {
    LockSettings.checkDuration("additional", additional, Duration.ofMillis(1), RedisLocks.MAX_LEASE_TIME);
    return leases.extend(name, additional);
  }

  /**
   * The time left on the current holder's lease, whoever holds the lock (the @upstash/lock SDK's status):
   * {@link Duration#ZERO} when the lock is free. One round trip (PTTL).
   *
   * @return the time left; {@code ChronoUnit.FOREVER}'s duration for a key without expiry (not written by
   *     redis-mutex)
   * @throws IllegalStateException if the {@link RedisLocks} is closed
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public Duration remainingLease() {
    return queries.remainingLease(name, key);
  }

  /**
   * The fencing token of the calling thread's hold: a number that grows with every hold of this lock name that
   * asks for one, from every process. Pass it to the resource you protect and have it reject tokens lower than one
   * it has seen ({@link RedisLocks#fencedSet}, or {@code UPDATE ... WHERE fence <= ?} in SQL): then a holder that
   * was paused past its lease cannot overwrite the work of the next holder.
   *
   * <p>The hold's first call draws the token from Redis (one round trip), checking in the same atomic step that the
   * lease is still this hold's, so tokens grow in the order of the holds that drew them and a hold whose lease was
   * already lost gets none; later calls and re-entries return it without a round trip. Holds that never ask cost
   * nothing for fencing. Each hold draws its own, also after a local hand-over (see {@link
   * RedisLocksBuilder#maxLocalHandOvers}).
   *
   * @return the hold's token, positive
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws LeaseExpiredException if the hold had no token yet and its lease is found lost: unlock, and acquire
   *     again
   * @throws io.lettuce.core.RedisException if Redis cannot be reached within the command timeout
   */
  public long fencingToken() {
    return leases.fencingToken(name);
  }

  /**
   * Whether the calling thread holds the lock and its lease is, as far as this JVM knows, still in force: not found
   * lost by the watchdog, {@link #extend} or a failed renewal, and not past its end. No round trip. A false answer
   * while {@link #isHeldByCurrentThread()} is true means: stop, and {@link #unlock()} (which will throw {@link
   * LeaseExpiredException}); see also {@link RedisLocksBuilder#onLeaseLost}.
   *
   * @return true if the calling thread holds the lock and its lease is not known to be lost
   */
  public boolean isLeaseValid() {
    return leases.isLeaseValid(name);
  }

  /** For tests: the end of the calling thread's lease as this JVM reckons it, on the nanoTime line. */
  long leaseEndsAtNanos() {
    return leases.of(name, "leaseEndsAtNanos()").endsAtNanos();
  }

  /**
   * The name this lock was obtained with.
   *
   * @return the name given to {@link RedisLocks#mutex(String)}
   */
  public String getName() {
    return name;
  }

  @Override
  public String toString() {
    int holds = getHoldCount();
    return "RedisMutex['" + name + "', "
        + (holds > 0 ? "held by current thread, holds=" + holds : "not held by current thread")
        + ", key='" + key + "', commandTimeout=" + commandTimeout + "]";
  }
}
