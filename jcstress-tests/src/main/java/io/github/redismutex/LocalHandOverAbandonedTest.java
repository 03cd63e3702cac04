package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.II_Result;

/**
 * A local hand-over that its taker gives up on: one thread locks and unlocks while the other waits at the local gate
 * in a {@code tryLock} with a deadline of a few microseconds. The unlock may offer the lease to the waiter ({@link
 * LocalLock#offered}) just as the waiter times out and leaves.
 *
 * <p>Outcome {@code r1, r2}: r1 whether the waiter acquired (either is fine); r2 what was left afterwards (table
 * entry, store key, subscriptions): must be 0. An offer nobody takes must be released by the last thread to leave
 * ({@link LockTable#release}); else the key would stay held, renewed by the watchdog, for ever.
 */
@JCStressTest
@Outcome(id = {"0, 0", "1, 0"}, expect = ACCEPTABLE, desc = "Acquired or timed out; nothing left behind.")
@Outcome(expect = FORBIDDEN, desc = "An offered lease, or its key, outlived every thread that could take it.")
@State
public class LocalHandOverAbandonedTest {
  private static final InMemoryLocks LOCKS =
      new InMemoryLocks(InMemoryLockStore.withKeyspaceNotifications(0), WakeupMode.KEYSPACE, "abandoned");
  private static final AtomicLong NAMES = new AtomicLong();

  private final String name = "abandoned:" + NAMES.incrementAndGet();

  @Actor
  public void lockAndUnlock() {
    LOCKS.lock(name);
    LOCKS.unlock(name); // with the other actor queued at the gate, this offers the lease to it
  }

  @Actor
  public void waitBriefly(II_Result r) {
    boolean acquired = LOCKS.tryLock(name, Duration.ofNanos(20_000));
    if (acquired) {
      LOCKS.unlock(name);
    }
    r.r1 = acquired ? 1 : 0;
  }

  @Arbiter
  public void arbiter(II_Result r) {
    r.r2 = LOCKS.leftovers(name);
  }
}
