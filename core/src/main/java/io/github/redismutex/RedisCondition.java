package io.github.redismutex;

import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Condition} of a {@link RedisMutex}, shared by every process that names the same lock and condition.
 *
 * <h2>How it works</h2>
 * The condition is a queue in Redis ({@link LockKeys#conditionQueueKey}) of waiter ids, oldest first, and each
 * waiter has a state key ('waiting', then 'signalled') that lives only while its thread heartbeats.
 * <ol>
 *   <li>{@code await}: subscribe to the waiter's own channel and wait for the subscription to be confirmed; join the
 *       queue (condition-await.lua, which also checks that the caller still owns the lock); release every hold;
 *       wait for the signal message, heartbeating the state key every third of the lease, which also reads the
 *       state, so a lost message costs at most a third of a lease; leave the queue (condition-leave.lua, which tells
 *       whether a signal arrived first: then the waiter counts as signalled even if it timed out or was
 *       interrupted at the same moment); acquire the lock again with the same hold count, also after a timeout or
 *       an interrupt, and only then return or throw.
 *   <li>{@code signal}/{@code signalAll} (condition-signal.lua, by the lock's owner): pop the oldest waiter whose
 *       state key is alive, mark it signalled and publish on its channel; waiters of crashed processes lose their
 *       state key within a lease and are then dropped (a signal sent before that is absorbed by the dead waiter).
 *       Nobody waiting: nothing is remembered.
 * </ol>
 * No lost signal: a waiter joins the queue while it still holds the lock, and a signaller needs the lock, so every
 * signal sent after {@code await} began finds the waiter queued; the state key records the signal even if the
 * message is lost. Where a waiter cannot know whether it was signalled (its state lapsed after a stall or an
 * outage of about a lease, or leaving failed through an outage), it returns as if signalled: a spurious wake-up,
 * which the {@code Condition} contract allows, rather than a lost signal.
 *
 * <p>Thread-safe.
 */
final class RedisCondition implements Condition {
  private final HeldLock lock;
  private final String lockName;
  private final String lockKey;
  private final String queueKey;
  private final ConditionStore store;
  private final WaiterRegistry waiters;
  private final long heartbeatMillis;
  private final Replies replies;

  RedisCondition(HeldLock lock, String conditionName, ConditionStore store, WaiterRegistry waiters,
      long heartbeatMillis, Replies replies) {
    this.lock = lock;
    this.lockName = lock.name();
    this.lockKey = lock.key();
    this.queueKey = LockKeys.conditionQueueKey(lockKey, conditionName);
    this.store = store;
    this.waiters = waiters;
    this.heartbeatMillis = heartbeatMillis;
    this.replies = replies;
  }

  /** How an await call ends. */
  private enum Outcome {
    SIGNALLED,
    TIMED_OUT,
    INTERRUPTED
  }

  @Override
  public void await() throws InterruptedException {
    if (waitFor(Deadline.never(), true) == Outcome.INTERRUPTED) {
      throw new InterruptedException("interrupted while awaiting a condition of '" + lockName + "'");
    }
  }

  @Override
  public void awaitUninterruptibly() {
    try {
      waitFor(Deadline.never(), false);
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible await was interrupted", e);
    }
  }

  @Override
  public long awaitNanos(long nanosTimeout) throws InterruptedException {
    long start = System.nanoTime();
    Outcome outcome = waitFor(Deadline.afterNanos(nanosTimeout), true);
    if (outcome == Outcome.INTERRUPTED) {
      throw new InterruptedException("interrupted while awaiting a condition of '" + lockName + "'");
    }
    long left = nanosTimeout - (System.nanoTime() - start);
    return outcome == Outcome.TIMED_OUT ? Math.min(left, 0) : Math.max(left, 1);
  }

  @Override
  public boolean await(long time, TimeUnit unit) throws InterruptedException {
    Objects.requireNonNull(unit, "unit must not be null");
    return awaitNanos(unit.toNanos(time)) > 0;
  }

  @Override
  public boolean awaitUntil(Date deadline) throws InterruptedException {
    Objects.requireNonNull(deadline, "deadline must not be null");
    return awaitNanos(TimeUnit.MILLISECONDS.toNanos(deadline.getTime() - System.currentTimeMillis())) > 0;
  }

  @Override
  public void signal() {
    signal(false);
  }

  @Override
  public void signalAll() {
    signal(true);
  }

  private void signal(boolean all) {
    Lease lease = lock.lease(all ? "signalAll" : "signal");
    long woken = replies.await(store.conditionSignal(lockKey, lease.token, queueKey, all),
        "signal of a condition of '" + lockName + "'");
    if (woken < 0) {
      throw new LeaseExpiredException(
          lockName, lease.endsAt(), null, LockStore.Release.TAKEN);
    }
  }

  /**
   * The whole of an await: queue, release, wait, leave, re-acquire. Interrupts end the wait only when {@code
   * interruptible}; the thread's interrupt flag is set again on the way out when an interrupt was swallowed or
   * arrived together with a signal, as {@code AbstractQueuedSynchronizer}'s conditions do.
   *
   * <p>Once the holds are released, every way out leaves the queue and re-acquires the lock with the same hold
   * count, exceptions included, except when the {@link RedisLocks} was closed (then nothing can be re-acquired).
   */
  private Outcome waitFor(Deadline deadline, boolean interruptible) throws InterruptedException {
    if (interruptible && Thread.interrupted()) { // checked first, as the JDK's conditions do
      throw new InterruptedException("interrupted before awaiting a condition of '" + lockName + "'");
    }
    Lease lease = lock.lease("await");
    String waiterId = UUID.randomUUID().toString();
    Waiter waiter = waiters.register(List.of(LockKeys.waiterChannel(LockKeys.waiterStateKey(lockKey, waiterId))));
    try {
      return queueReleaseAndWait(waiter, waiterId, lease, deadline, interruptible);
    } catch (RuntimeException e) {
      if (waiters.isClosed()) { // a command cut short by close(): say so, as a waiter woken by it does
        throw closedWhileAwaiting(e);
      }
      throw e;
    } finally {
      waiters.deregister(waiter);
    }
  }

  private Outcome queueReleaseAndWait(Waiter waiter, String waiterId, Lease lease, Deadline deadline,
      boolean interruptible) {
    await(waiter.subscribed, "subscribe");
    boolean queued;
    try {
      queued = await(store.conditionAwait(lockKey, lease.token, queueKey, waiterId, heartbeatMillis), "await");
    } catch (RuntimeException e) {
      leave(waiterId); // the reply was lost, not necessarily the command: leave no phantom waiter queued
      throw e;
    }
    if (!queued) {
      lock.releaseAll(); // the lease was lost: this throws LeaseExpiredException, dropping the holds
      throw new LeaseExpiredException(
          lockName, lease.endsAt(), null, LockStore.Release.TAKEN);
    }
    int holds;
    try {
      holds = lock.releaseAll();
    } catch (RuntimeException e) {
      leave(waiterId); // the holds are gone (lease lost, or closed): nothing to re-acquire
      throw e;
    }
    return waitReleased(waiter, waiterId, holds, deadline, interruptible);
  }

  private IllegalStateException closedWhileAwaiting(@Nullable Throwable cause) {
    return new IllegalStateException("RedisLocks was closed while awaiting a condition of '" + lockName + "'", cause);
  }

  /** The part of an await with the lock released: wait, then always leave and re-acquire. */
  private Outcome waitReleased(Waiter waiter, String waiterId, int holds, Deadline deadline, boolean interruptible) {
    Outcome outcome = null;
    boolean interrupted = false;
    try {
      while (outcome == null) {
        long sliceNanos = Math.min(deadline.remainingNanos(), TimeUnit.MILLISECONDS.toNanos(heartbeatMillis) / 3);
        try {
          waiter.await(sliceNanos); // a message or a third of a lease: either way, read the state
        } catch (InterruptedException e) {
          interrupted = true;
          if (interruptible) {
            outcome = Outcome.INTERRUPTED;
            break;
          }
        }
        if (waiters.isClosed()) {
          throw closedWhileAwaiting(null);
        }
        if (deadline.hasPassed()) {
          outcome = Outcome.TIMED_OUT;
        } else if (heartbeat(waiterId) != 0) {
          outcome = Outcome.SIGNALLED; // signalled, or lapsed: a spurious wake-up
        }
      }
    } finally {
      boolean closed = waiters.isClosed();
      if (!closed && leave(waiterId) && outcome != Outcome.SIGNALLED) {
        outcome = Outcome.SIGNALLED; // the signal came first: it is not lost by this waiter's timeout or interrupt
      }
      if (!closed) {
        lock.reacquire(holds);
      }
      if (interrupted && outcome != Outcome.INTERRUPTED) {
        Thread.currentThread().interrupt();
      }
    }
    return outcome;
  }

  /**
   * Reads the state and renews the heartbeat in one step. While Redis is unreachable the waiter goes on waiting
   * (0); its state key outlives an outage shorter than a lease.
   */
  private long heartbeat(String waiterId) {
    try {
      return await(store.conditionLeave(lockKey, queueKey, waiterId, heartbeatMillis), "heartbeat");
    } catch (RuntimeException e) {
      if (!RedisFailures.isTransient(e)) {
        throw e;
      }
      return 0;
    }
  }

  /**
   * Leaves the queue, retrying through an outage for up to one heartbeat lease (leaving twice is harmless); true if
   * a signal may have arrived. When that cannot be known (the state lapsed, Redis stayed unreachable, or the
   * {@link RedisLocks} was closed) the answer is true: a spurious wake-up is allowed, a lost signal is not.
   */
  private boolean leave(String waiterId) {
    Deadline giveUp = Deadline.afterNanos(TimeUnit.MILLISECONDS.toNanos(heartbeatMillis));
    Backoff backoff = new Backoff();
    while (true) {
      try {
        return await(store.conditionLeave(lockKey, queueKey, waiterId, 0), "leave") != 0;
      } catch (RuntimeException e) {
        if (!RedisFailures.isTransient(e) || waiters.isClosed() || giveUp.remainingNanos() < backoff.peekNanos()) {
          return true; // closed: the connections are gone, and the state key lapses within a heartbeat lease
        }
        LockSupport.parkNanos(backoff.nextNanos()); // a bounded pause between retries
      }
    }
  }

  /** One command's reply, within the command timeout, uninterruptibly (the interrupt is kept). */
  private <T> T await(CompletionStage<T> reply, String what) {
    return replies.await(reply, "condition " + what + " on lock '" + lockName + "'");
  }

  @Override
  public String toString() {
    return "RedisCondition[lock='" + lockName + "', queue='" + queueKey + "']";
  }
}
