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
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * Two threads of one process lock one name, lock it again (re-entry), and unlock it twice, through one {@link
 * MutexSync}: the hand-over of the local gate, which carries owner state and hold counts.
 *
 * <p>The race: one thread's outermost unlock (lease cleared, key deleted in the store, gate opened, table entry
 * released) against the other's lock (table entry used, gate entered, lease and hold set). The first actor waits as
 * {@code lock()} does, the second as {@code tryLock(10 s)}.
 *
 * <p>Outcome {@code r1, r2, r3, r4, r5}:
 * <ul>
 *   <li>r1, r2: each thread's hold count read after lock, re-lock, inner unlock and outer unlock, as four digits:
 *       {@code 1210} is right; -1 means the lock was not acquired at all.
 *   <li>r3: how many times a thread, once holding the lock, found the other inside too.
 *   <li>r4: a plain (not volatile) counter each thread increments while it holds the lock; 2 unless an update was
 *       lost, that is unless one unlock failed to happen-before the next lock.
 *   <li>r5: what was left afterwards (table entry, store key, subscriptions): 0.
 * </ul>
 * FORBIDDEN: anything but {@code 1210, 1210, 0, 2, 0}: both threads inside at once, a hold count that counts the
 * other thread's holds or loses its own, a lost update, a leaked table entry or key, or an acquisition that failed
 * although the other thread had let go.
 */
@JCStressTest
@Outcome(id = "1210, 1210, 0, 2, 0", expect = ACCEPTABLE,
    desc = "Each thread held the lock alone, with hold counts 1, 2, 1, 0; nothing left behind.")
@Outcome(expect = FORBIDDEN, desc = "Mutual exclusion, hold counts, happens-before or clean-up broken.")
@State
public class MutexSyncLocalContentionTest {
  private static final InMemoryLocks LOCKS =
      new InMemoryLocks(InMemoryLockStore.withKeyspaceNotifications(0), WakeupMode.KEYSPACE, "local-contention");
  private static final AtomicLong NAMES = new AtomicLong();

  // jcstress runs actors of different states at once: a name of its own keeps this state's race to its two actors
  private final String name = "local-contention:" + NAMES.incrementAndGet();
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();
  private int counter; // plain on purpose: only the lock orders its updates

  @Actor
  public void lockThenReenter(IIIII_Result r) {
    r.r1 = lockTwiceUnlockTwice(LOCKS.lock(name));
  }

  @Actor
  public void tryLockThenReenter(IIIII_Result r) {
    r.r2 = lockTwiceUnlockTwice(LOCKS.tryLock(name, Duration.ofSeconds(10)));
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    r.r3 = overlaps.get();
    r.r4 = counter;
    r.r5 = LOCKS.leftovers(name);
  }

  /** Holds the lock it was given, re-enters, and unlocks both holds; returns the hold counts seen, as digits. */
  private int lockTwiceUnlockTwice(boolean acquired) {
    if (!acquired) {
      return -1;
    }
    if (inside.incrementAndGet() != 1) {
      overlaps.incrementAndGet();
    }
    counter++;
    int holds = LOCKS.holdCount(name);
    LOCKS.lock(name);
    holds = holds * 10 + LOCKS.holdCount(name);
    LOCKS.unlock(name);
    holds = holds * 10 + LOCKS.holdCount(name);
    inside.decrementAndGet();
    LOCKS.unlock(name);
    return holds * 10 + LOCKS.holdCount(name);
  }
}
