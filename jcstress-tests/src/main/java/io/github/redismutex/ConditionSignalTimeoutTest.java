package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The race between a condition waiter leaving on timeout and a {@code signal()}: the waiter's exit from the queue
 * (condition-leave.lua with heartbeat 0, which {@link RedisCondition} sends when its deadline passed) against the
 * lock owner's condition-signal.lua waking one waiter. Two waiters are queued, A (the older, timing out) then B.
 * A signal must be neither lost nor duplicated: if it found A still queued it wakes A, and A's leave then reports
 * it (A returns as signalled although it timed out); if A had left, it wakes B. Exactly one of the two counts as
 * woken.
 *
 * <p>Each waiter queued while holding the lock (condition-await.lua checks that) and released it, as an await does;
 * the signaller then took the lock. The arbiter reads B's state with a heartbeat (condition-leave.lua with a
 * positive heartbeat), as B's own wait loop would.
 *
 * <p>Outcome {@code r1, r2, r3}: r1 = A's leave reported a signal (1) or none (0); r2 = waiters the signal woke;
 * r3 = B's state: 1 signalled, 0 waiting, -1 gone.
 * FORBIDDEN: every outcome but {@code 1, 1, 0} and {@code 0, 1, 1}; among them {@code 0, 1, 0} and {@code 0, 0, 0}
 * (the signal ran while both were queued and nobody counts as signalled: lost), {@code 1, 1, 1} (both count as
 * signalled by one signal: duplicated), {@code 1, 0, 0} (A saw a signal the signaller did not count).
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE,
    desc = "The signal came first and woke A, the oldest; A's leave reports it, so A counts as signalled.")
@Outcome(id = "0, 1, 1", expect = ACCEPTABLE,
    desc = "A left first, unsignalled; the signal skipped nobody and woke B.")
@Outcome(id = "0, 1, 0", expect = FORBIDDEN,
    desc = "Lost signal: it reports a waiter woken, yet neither A nor B counts as signalled.")
@Outcome(id = "0, 0, 0", expect = FORBIDDEN,
    desc = "Lost signal: it found nobody to wake although B was queued all along.")
@Outcome(id = "1, 1, 1", expect = FORBIDDEN,
    desc = "Duplicated signal: A and B both count as signalled by one signal().")
@Outcome(expect = FORBIDDEN, desc = "Any other outcome: the signal was lost, duplicated, or miscounted.")
@State
public class ConditionSignalTimeoutTest {
  private static final long LEASE_MILLIS = InMemoryLocks.LEASE.toMillis();
  private static final long HEARTBEAT_MILLIS = InMemoryLocks.LEASE.toMillis();
  private static final String KEY = InMemoryLocks.keyOf("orders:42");
  private static final String QUEUE = LockKeys.conditionQueueKey(KEY, "notEmpty");
  private static final String WAITER_A = "waiter-a";
  private static final String WAITER_B = "waiter-b";
  private static final String SIGNALLER = "token-of-the-signaller";
  private static final String METADATA = "1700000000000 4242 jcstress-host condition-timeout";

  private final InMemoryLockStore store = InMemoryLockStore.withoutKeyspaceNotifications();

  public ConditionSignalTimeoutTest() {
    queue(WAITER_A, "token-of-a"); // the older waiter
    queue(WAITER_B, "token-of-b");
    if (!acquire(SIGNALLER)) {
      throw new IllegalStateException("the signaller could not take the free lock");
    }
  }

  /** As await: the waiter holds the lock, joins the queue, releases every hold. */
  private void queue(String waiterId, String token) {
    if (!acquire(token)
        || !store.conditionAwait(KEY, token, QUEUE, waiterId, HEARTBEAT_MILLIS).toCompletableFuture().join()
        || store.release(KEY, token, LockKeys.releaseChannel(KEY)).toCompletableFuture().join()
            != LockStore.Release.RELEASED) {
      throw new IllegalStateException("could not queue " + waiterId);
    }
  }

  private boolean acquire(String token) {
    return store.acquire(KEY, token, LEASE_MILLIS, METADATA, null).toCompletableFuture().join().outcome()
        == LockStore.Attempt.Outcome.ACQUIRED;
  }

  @Actor
  public void waiterATimesOut(III_Result r) {
    r.r1 = (int) (long) store.conditionLeave(KEY, QUEUE, WAITER_A, 0).toCompletableFuture().join();
  }

  @Actor
  public void signalOne(III_Result r) {
    r.r2 = (int) (long) store.conditionSignal(KEY, SIGNALLER, QUEUE, false).toCompletableFuture().join();
  }

  @Arbiter
  public void arbiter(III_Result r) {
    r.r3 = (int) (long) store.conditionLeave(KEY, QUEUE, WAITER_B, HEARTBEAT_MILLIS).toCompletableFuture().join();
  }
}
