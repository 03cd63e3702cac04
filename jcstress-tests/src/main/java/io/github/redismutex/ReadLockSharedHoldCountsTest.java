package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two threads of one process take the read lock of one name at once, through one {@link RedisLocks}: {@link
 * ReadSync}'s map of per-thread gates ({@code (name, thread)} to a {@link LocalLock}), which must give each thread a
 * hold of its own (its own gate, key and lease) and never make one reader wait for the other.
 *
 * <p>The races: both threads' first read attempts (acquire-read.lua: a reader key each, one readers set), their
 * entries in the map, their re-entries (the gate's hold count, no round trip), and their outermost unlocks
 * (release-read.lua, entry removed). Each thread, once it holds the read lock twice, waits at most 10 s for the
 * other to hold it twice too, reads its own hold count and the store's count of read holds, waits for the other to
 * have read them, and unlocks twice. So both counts are read while both threads hold the lock: a hold count shared
 * between the threads would read 4, and a reader made to wait for the other, locally or in the store (no writer
 * ever holds or awaits the lock here), would time out (10 s).
 *
 * <p>Outcome {@code r1, r2, r3, r4}:
 * <ul>
 *   <li>r1, r2: each thread's observations, as six digits: its hold count after lock (1), after re-entry (2) and
 *       again while both hold twice (2; a count shared with the other thread: 4), the live read holds in the store
 *       while both hold (2: one per thread, re-entries not counted; 0 when the other thread never came in within
 *       10 s), its hold count after the inner unlock (1) and after the outer (0): {@code 122210}; -1: the read lock
 *       was not acquired within 10 s.
 *   <li>r3: the process's local state afterwards, {@link RedisLocks#localLockCount()} (table entries and read
 *       holds): 0. Read when no actor runs, so other samples' locks are gone too.
 *   <li>r4: what was left of the lock in the store and the subscriptions (write key, live reader keys, readers set
 *       entries, waiting writers): 0.
 * </ul>
 * FORBIDDEN: anything but {@code 122210, 122210, 0, 0}: a reader that waited for the other, a hold count that counts
 * the other thread's holds or loses its own, one Redis hold for two threads, a lost wake-up, or leaked state.
 */
@JCStressTest
@Outcome(id = "122210, 122210, 0, 0", expect = ACCEPTABLE,
    desc = "Both held the read lock together, each with its own hold counts and Redis hold; nothing left behind.")
@Outcome(expect = FORBIDDEN,
    desc = "A reader waited for the other, hold counts shared or lost, one hold for two threads, or leaked state.")
@State
public class ReadLockSharedHoldCountsTest {
  private static final InMemoryLocks LOCKS =
      new InMemoryLocks(InMemoryLockStore.withoutKeyspaceNotifications(), WakeupMode.CHANNEL, "shared-readers");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  // jcstress runs actors of different states at once: a name of its own keeps this state's race to its two actors
  private final String name = "shared-readers:" + NAMES.incrementAndGet();
  private final RedisReadWriteLock lock = LOCKS.readWriteLock(name);
  private final CountDownLatch bothReentered = new CountDownLatch(2);
  private final CountDownLatch bothCounted = new CountDownLatch(2);

  @Actor
  public void first(IIII_Result r) {
    r.r1 = readTwice();
  }

  @Actor
  public void second(IIII_Result r) {
    r.r2 = readTwice();
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    r.r3 = LOCKS.localLockCount();
    r.r4 = LOCKS.readWriteLeftovers(name);
  }

  /** Reads twice (re-entry), meets the other reader inside; returns what it saw, as digits (see the class). */
  private int readTwice() {
    if (!Actors.tryLock(lock.readLock(), TIMEOUT)) {
      return -1;
    }
    int seen = lock.getReadHoldCount();
    lock.readLock().lock(); // a re-entry: no round trip, never waits
    seen = seen * 10 + lock.getReadHoldCount();
    boolean together = meet(bothReentered);
    seen = seen * 10 + lock.getReadHoldCount(); // both hold twice now: a shared count would read 4
    seen = seen * 10 + (together ? lock.getReadLockCount() : 0);
    meet(bothCounted); // the other has read its counts too before either unlocks
    lock.readLock().unlock();
    seen = seen * 10 + lock.getReadHoldCount();
    lock.readLock().unlock();
    return seen * 10 + lock.getReadHoldCount();
  }

  /** Arrives at {@code latch} and waits, at most 10 s, for the other reader: true if it came. */
  private static boolean meet(CountDownLatch latch) {
    latch.countDown();
    try {
      return latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("actor interrupted while waiting for the other reader", e);
    }
  }
}
