package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two simulated processes (two {@link MutexSync}s, each with its own table, registry and subscriber) lock one name
 * on one shared store, as two JVMs on one Redis server: the contention is in the store, and a loser waits for the
 * holder's release announcement, in {@link WakeupMode#CHANNEL} on a server without keyspace notifications, so
 * release.lua's PUBLISH is the only thing that can wake it.
 *
 * <p>So that the waiting path runs in every sample rather than when the two actors happen to meet, the key starts
 * held by a third process, and the first actor releases that hold (with release.lua, as the third process's unlock
 * would) before it locks the name itself. The races: a loser's first attempt (acquire.lua, not marking the lock as
 * awaited), subscription and marking attempt against a release and its PUBLISH, from either the third process or the
 * other actor. The lease is a day and each call may wait 10 s, so a lost wake-up shows as a timed-out acquisition
 * instead of being covered by the holder's lease running out.
 *
 * <p>Outcome {@code r1, r2, r3, r4}:
 * <ul>
 *   <li>r1, r2: each thread's acquisition: 1 = held the lock alone; 2 = acquired while the other was inside;
 *       0 = gave up after 10 s although every holder let go within microseconds: a lost wake-up.
 *   <li>r3: a plain counter each increments while it holds the lock: 2 unless an update was lost.
 *   <li>r4: what was left in both processes and the store afterwards (table entries, key, subscriptions): 0.
 * </ul>
 * FORBIDDEN: anything but {@code 1, 1, 2, 0}.
 */
@JCStressTest
@Outcome(id = "1, 1, 2, 0", expect = ACCEPTABLE,
    desc = "Each process held the lock alone in turn; every waiter was woken by a release; nothing left behind.")
@Outcome(expect = FORBIDDEN,
    desc = "Both inside at once, a lost wake-up (0: timed out), a lost update, or leaked state.")
@State
public class MutexSyncCrossProcessTest {
  private static final InMemoryLockStore STORE = InMemoryLockStore.withoutKeyspaceNotifications();
  private static final InMemoryLocks ALPHA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "alpha");
  private static final InMemoryLocks BETA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "beta");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  private static final String THIRD_PROCESS = "token-of-a-third-process";
  /** The holder part of its lock value: acquired at (epoch ms), pid, host, thread. */
  private static final String THIRD_METADATA = "1700000000000 4242 third-host main";

  private final String name = "cross-process:" + NAMES.incrementAndGet();
  private final AtomicInteger inside = new AtomicInteger();
  private int counter; // plain on purpose: only the lock orders its updates

  public MutexSyncCrossProcessTest() {
    STORE.acquire(InMemoryLocks.keyOf(name), THIRD_PROCESS, InMemoryLocks.LEASE.toMillis(), THIRD_METADATA, null);
  }

  @Actor
  public void alpha(IIII_Result r) {
    String key = InMemoryLocks.keyOf(name);
    LockStore.Release released =
        STORE.release(key, THIRD_PROCESS, LockKeys.releaseChannel(key)).toCompletableFuture().join();
    if (released != LockStore.Release.RELEASED) {
      throw new IllegalStateException("the third process's release found " + released + ", not its own key");
    }
    r.r1 = holdOnce(ALPHA);
  }

  @Actor
  public void beta(IIII_Result r) {
    r.r2 = holdOnce(BETA);
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    r.r3 = counter;
    r.r4 = ALPHA.leftovers(name) + BETA.leftovers(name);
  }

  private int holdOnce(InMemoryLocks locks) {
    if (!locks.tryLock(name, TIMEOUT)) {
      return 0;
    }
    int seen = inside.incrementAndGet();
    counter++;
    inside.decrementAndGet();
    locks.unlock(name);
    return seen;
  }
}
