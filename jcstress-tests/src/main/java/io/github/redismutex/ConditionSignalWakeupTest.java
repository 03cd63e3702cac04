package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IZ_Result;

/**
 * The lost-wakeup race of a condition waiter: the waiter clears its {@link Waiter}'s signal and reads its state
 * with a heartbeat (condition-leave.lua with a positive heartbeat, as {@link RedisCondition}'s wait loop does after
 * each slice), while the lock owner's {@code signal()} (condition-signal.lua) marks it signalled and publishes on
 * its channel ({@link LockKeys#waiterChannel}), which reaches the waiter through a {@link WaiterRegistry} over an
 * {@link InMemorySubscriber}. Either the read sees the signal, or the announcement leaves a permit behind, so the
 * wait that follows returns at once instead of sleeping for a third of a heartbeat lease.
 *
 * <p>The waiter starts with a stale permit, as an earlier message leaves one, so the signal's {@link Waiter#wake()}
 * may meet a permit the clear has not drained yet and add none.
 *
 * <p>Outcome {@code r1, r2}: r1 = the state the heartbeat read (1 signalled, 0 waiting); r2 = a wake permit is
 * pending afterwards. FORBIDDEN: {@code 0, false}: the read saw 'waiting' and the signal that followed left no
 * permit: a lost wake-up.
 */
@JCStressTest
@Outcome(id = "1, false", expect = ACCEPTABLE,
    desc = "Signalled before the clear: the read sees the signal; the clear drained the permit.")
@Outcome(id = "1, true", expect = ACCEPTABLE,
    desc = "Signalled between the clear and the read: the read sees it, and a spare permit costs one more read.")
@Outcome(id = "0, true", expect = ACCEPTABLE_INTERESTING,
    desc = "Signalled after the read: its message left a permit, so the wait returns at once.")
@Outcome(id = "0, false", expect = FORBIDDEN,
    desc = "Lost wake-up: the read saw 'waiting' and the signal left no permit.")
@Outcome(expect = FORBIDDEN, desc = "The heartbeat found the state gone, or another reply.")
@State
public class ConditionSignalWakeupTest {
  private static final long LEASE_MILLIS = InMemoryLocks.LEASE.toMillis();
  private static final long HEARTBEAT_MILLIS = InMemoryLocks.LEASE.toMillis();
  private static final String KEY = InMemoryLocks.keyOf("orders:42");
  private static final String QUEUE = LockKeys.conditionQueueKey(KEY, "notEmpty");
  private static final String WAITER_ID = "waiter-w";
  private static final String WAITER_TOKEN = "token-of-the-waiter";
  private static final String SIGNALLER = "token-of-the-signaller";
  private static final String METADATA = "1700000000000 4242 jcstress-host condition-wakeup";

  private final InMemoryLockStore store = InMemoryLockStore.withoutKeyspaceNotifications();
  private final InMemorySubscriber subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.IMMEDIATE);
  private final WaiterRegistry registry = new WaiterRegistry(subscriber);
  private final Waiter waiter;

  public ConditionSignalWakeupTest() {
    subscriber.deliverTo(registry);
    store.connect(subscriber);
    // as await: register on the waiter's channel (confirmed at once), queue while holding the lock, release
    waiter = registry.register(List.of(LockKeys.waiterChannel(LockKeys.waiterStateKey(KEY, WAITER_ID))));
    if (!acquire(WAITER_TOKEN)
        || !store.conditionAwait(KEY, WAITER_TOKEN, QUEUE, WAITER_ID, HEARTBEAT_MILLIS).toCompletableFuture().join()
        || store.release(KEY, WAITER_TOKEN, LockKeys.releaseChannel(KEY)).toCompletableFuture().join()
            != LockStore.Release.RELEASED
        || !acquire(SIGNALLER)) {
      throw new IllegalStateException("could not queue the waiter and hand the lock to the signaller");
    }
    waiter.wake(); // the stale permit
  }

  private boolean acquire(String token) {
    return store.acquire(KEY, token, LEASE_MILLIS, METADATA, null).toCompletableFuture().join().outcome()
        == LockStore.Attempt.Outcome.ACQUIRED;
  }

  @Actor
  public void waiter(IZ_Result r) {
    waiter.clear();
    r.r1 = (int) (long) store.conditionLeave(KEY, QUEUE, WAITER_ID, HEARTBEAT_MILLIS).toCompletableFuture().join();
  }

  @Actor
  public void signaller() {
    long woken = store.conditionSignal(KEY, SIGNALLER, QUEUE, false).toCompletableFuture().join();
    if (woken != 1) {
      throw new IllegalStateException("the signal woke " + woken + " waiters, not the one queued");
    }
  }

  @Arbiter
  public void arbiter(IZ_Result r) {
    try {
      r.r2 = waiter.await(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("arbiter interrupted", e);
    }
  }
}
