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
 * A thread of one simulated process takes the write lock and downgrades (write lock, read lock, unlock the write
 * lock, unlock the read lock) while a thread of a second process (its own {@link RedisLocks}: table, registry,
 * subscriber) takes the write lock of the same name on the same store, as two JVMs on one Redis server, in {@link
 * WakeupMode#CHANNEL} on a server without keyspace notifications: an announced release is the only wake-up.
 *
 * <p>So that both wait in every sample, the write key starts held by a third process, which the downgrading actor
 * releases (release.lua) before it locks. The races: the two writers' waiting attempts (acquire.lua with the
 * readers) against that release; then, when the downgrader wins, the other writer against its downgrade and its
 * write unlock with its own read hold alive (release.lua: only announced, nobody handed the lock, the write key free
 * but not for a writer while the reader key lives), and against the last reader's release (release-read.lua's
 * announcement, which must reach a writer that marked the lock again after the first announcement); or, when the
 * other writer wins, the downgrader waiting for its release. The lease is a day and each call may wait 10 s, so a
 * lost wake-up shows as a timed-out acquisition instead of being covered by a lease running out.
 *
 * <p>Each holder's stay (the downgrader's: from its write lock to its read unlock) reads a plain field the other
 * writes at the end of its own stay, and counts itself in an atomic counter on entry. Outcome {@code r1, ..., r5}:
 * <ul>
 *   <li>r1: the downgrader's hold counts, as digits: write holds after the write lock (1), read holds after the
 *       downgrade (1), write holds after the write unlock (0), read holds then (1) and after the read unlock (0):
 *       {@code 11010}; 0 in the second digit: the downgrade was refused; -1: no write lock within 10 s.
 *   <li>r2: the other writer's hold counts, as digits: write holds (1) and read holds (0) while it writes, write
 *       holds after its unlock (0): {@code 100}; -1: no write lock within 10 s.
 *   <li>r3: what each saw of the other's plain field, as digits, the downgrader's first: {@code 10} = the other
 *       writer went first, {@code 1} = the downgrader went first. {@code 0} (neither saw the other) or {@code 11}
 *       means they were inside together (or a release did not happen-before the next acquisition).
 *   <li>r4: how many times a holder found the other inside on entry: 0.
 *   <li>r5: what was left in both processes and the store: {@link RedisLocks#localLockCount()} of each (read when no
 *       actor runs), the write key, live reader keys, readers set entries, waiting writers, subscriptions: 0.
 * </ul>
 * FORBIDDEN: anything else: a writer beside the write hold or the downgraded read hold, a refused downgrade, hold
 * counts mixed up, a lost wake-up, or leaked state.
 */
@JCStressTest
@Outcome(id = "11010, 100, 10, 0, 0", expect = ACCEPTABLE,
    desc = "The other process's writer went first; the downgrader followed, alone throughout.")
@Outcome(id = "11010, 100, 1, 0, 0", expect = ACCEPTABLE,
    desc = "The downgrader went first; the other writer waited for its write and its downgraded read hold.")
@Outcome(expect = FORBIDDEN,
    desc = "Two inside at once, a refused downgrade, hold counts mixed up, a lost wake-up, or leaked state.")
@State
public class ReadWriteDowngradeWriterTest {
  private static final InMemoryLockStore STORE = InMemoryLockStore.withoutKeyspaceNotifications();
  private static final InMemoryLocks ALPHA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "downgrade-alpha");
  private static final InMemoryLocks BETA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "downgrade-beta");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  private final String name = "downgrade-writer:" + NAMES.incrementAndGet();
  private final RedisReadWriteLock downgrading = ALPHA.readWriteLock(name);
  private final RedisReadWriteLock writing = BETA.readWriteLock(name);
  private final ThirdProcessWriter third = ThirdProcessWriter.holding(STORE, name);
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicInteger overlaps = new AtomicInteger();
  // plain on purpose: only the lock orders these; each is read at entry, the other's written at the end of a stay
  private int downgraderWasHere;
  private int writerWasHere;
  private int seenByDowngrader;
  private int seenByWriter;

  @Actor
  public void downgrader(IIIII_Result r) {
    third.release();
    RedisReadWriteLock lock = downgrading;
    if (!Actors.tryLock(lock.writeLock(), TIMEOUT)) {
      r.r1 = -1;
      return;
    }
    enter();
    seenByDowngrader = writerWasHere;
    int seen = lock.getWriteHoldCount();
    seen = seen * 10 + (lock.readLock().tryLock() ? lock.getReadHoldCount() : 0); // a downgrade: never waits
    lock.writeLock().unlock();
    seen = seen * 10 + lock.getWriteHoldCount();
    seen = seen * 10 + lock.getReadHoldCount();
    downgraderWasHere = 1;
    inside.decrementAndGet();
    if (seen % 10 == 1) {
      lock.readLock().unlock();
    }
    r.r1 = seen * 10 + lock.getReadHoldCount();
  }

  @Actor
  public void writer(IIIII_Result r) {
    RedisReadWriteLock lock = writing;
    if (!Actors.tryLock(lock.writeLock(), TIMEOUT)) {
      r.r2 = -1;
      return;
    }
    enter();
    seenByWriter = downgraderWasHere;
    int seen = lock.getWriteHoldCount() * 10 + lock.getReadHoldCount();
    writerWasHere = 1;
    inside.decrementAndGet();
    lock.writeLock().unlock();
    r.r2 = seen * 10 + lock.getWriteHoldCount();
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    r.r3 = seenByDowngrader * 10 + seenByWriter;
    r.r4 = overlaps.get();
    r.r5 = ALPHA.localLockCount() + BETA.localLockCount() + ALPHA.readWriteLeftovers(name)
        + BETA.readWriteLeftovers(name);
  }

  private void enter() {
    if (inside.incrementAndGet() != 1) {
      overlaps.incrementAndGet();
    }
  }
}
