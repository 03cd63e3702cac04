package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.ZZ_Result;

/**
 * The lost-wakeup race of the wait loop in {@link MutexSync}: a waiter whose subscription is confirmed clears its
 * signal and makes its scripted attempt (acquire.lua), which marks the lock as awaited when it finds it held, while
 * the holder releases the key (release.lua), which announces the release on the lock's channel only if it finds
 * that mark. Keyspace notifications are off, so that announcement is the only wake-up.
 *
 * <p>The waiter steps are those of {@link MutexSync}'s loop, driven directly: {@link Waiter#clear()}, then {@link
 * LockStore#acquire} asked to mark the lock as awaited, as a subscribed waiter's attempt is; the arbiter then asks
 * whether the wait that would follow a failed attempt returns at once ({@link Waiter#await} with no time). The
 * waiter starts with a stale permit, as an earlier announcement leaves one, so the release's {@link Waiter#wake()}
 * may meet a permit that the clear has not drained yet and add none (it only adds one when none is available).
 *
 * <p>Outcome {@code r1, r2}: r1 = the attempt acquired the lock; r2 = a wake permit is pending after the attempt.
 * FORBIDDEN: {@code false, false}: the attempt saw the key held, and the release that followed it left no permit,
 * so the waiter would sleep until the holder's lease ran out although the lock is free: a lost wake-up.
 */
@JCStressTest
@Outcome(id = "true, false", expect = ACCEPTABLE,
    desc = "Released before the clear: the attempt acquired; the clear drained the permit.")
@Outcome(id = "true, true", expect = ACCEPTABLE,
    desc = "Released after the clear, before the attempt: acquired, and a spare permit costs one extra attempt.")
@Outcome(id = "false, true", expect = ACCEPTABLE_INTERESTING,
    desc = "Released after the failed attempt: the announcement left a permit, so the wait returns at once.")
@Outcome(id = "false, false", expect = FORBIDDEN,
    desc = "Lost wake-up: the attempt failed and the release's announcement left no permit.")
@State
public class LostWakeupTest {
  private static final long LEASE_MILLIS = InMemoryLocks.LEASE.toMillis();
  private static final String KEY = InMemoryLocks.keyOf("orders:42");
  private static final String HOLDER = "token-of-the-holder";
  private static final String WAITER = "token-of-the-waiter";
  /** The holder part of a lock value: acquired at (epoch ms), pid, host, thread. */
  private static final String METADATA = "1700000000000 4242 jcstress-host lost-wakeup";

  private final InMemoryLockStore store = InMemoryLockStore.withoutKeyspaceNotifications();
  private final InMemorySubscriber subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.IMMEDIATE);
  private final WaiterRegistry registry = new WaiterRegistry(subscriber);
  private final Waiter waiter;

  public LostWakeupTest() {
    subscriber.deliverTo(registry);
    store.connect(subscriber);
    store.acquire(KEY, HOLDER, LEASE_MILLIS, METADATA, null); // the holder's first attempt: no mark
    waiter = registry.register(WakeupMode.watchedChannels(0, KEY)); // confirmed at once
    waiter.wake(); // the stale permit
  }

  @Actor
  public void waiter(ZZ_Result r) {
    waiter.clear();
    LockStore.Attempt attempt =
        store.acquire(KEY, WAITER, LEASE_MILLIS, METADATA, new LockStore.Ticket("waiter-nonce", -1)).toCompletableFuture().join();
    r.r1 = attempt.outcome() == LockStore.Attempt.Outcome.ACQUIRED;
  }

  @Actor
  public void holder() {
    LockStore.Release released =
        store.release(KEY, HOLDER, LockKeys.releaseChannel(KEY)).toCompletableFuture().join();
    if (released != LockStore.Release.RELEASED) {
      throw new IllegalStateException("the holder's release found " + released + ", not its own key");
    }
  }

  @Arbiter
  public void arbiter(ZZ_Result r) {
    try {
      r.r2 = waiter.await(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("arbiter interrupted", e);
    }
  }
}
