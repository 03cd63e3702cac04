package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * One thread takes the write lock and downgrades (write lock, read lock, unlock the write lock, unlock the read
 * lock) while another thread of the same {@link RedisLocks} takes the read lock: the write side's {@link MutexSync}
 * and {@link ReadSync} of one process, over one store, in {@link WakeupMode#CHANNEL} on a server without keyspace
 * notifications, so an announced release is the only thing that wakes a waiter.
 *
 * <p>So that both wait in every sample, the write key starts held by a third process, and the downgrading actor
 * releases that hold (release.lua, as the third process's unlock would) before it locks. The races: the reader's
 * attempts (acquire-read.lua) against the downgrader's waiting ticket (writers first: a fresh one refuses new
 * readers), its write hold, its downgrade (acquire-read.lua naming its write token, which passes whatever waits) and
 * its write unlock with its own read hold alive (release.lua: only announced, nobody handed the lock); or, when the
 * reader got in first, the downgrader waiting for the last reader's release (release-read.lua's announcement). The
 * lease is a day and each call may wait 10 s, so a lost wake-up shows as a timed-out acquisition.
 *
 * <p>Outcome {@code r1, r2, r3, r4, r5}:
 * <ul>
 *   <li>r1: the downgrader's hold counts, as digits: write holds after the write lock (1), read holds after the
 *       downgrade (1), write holds after the write unlock (0), read holds then (1) and after the read unlock (0):
 *       {@code 11010}; a refused downgrade ({@code tryLock()} false) reads 0 in the second digit; -1: the write lock
 *       was not acquired within 10 s.
 *   <li>r2: the reader's hold counts, as digits: read holds (1) and write holds (0) while it reads, read holds after
 *       its unlock (0): {@code 100}; -1: the read lock was not acquired within 10 s.
 *   <li>r3: what the reader found inside: 1 = no other holder; 2 = the downgraded read hold (the write lock already
 *       unlocked). Both are fine; which one is the schedule's.
 *   <li>r4: how many times the reader and the write hold were inside together (each checks on entry): 0.
 *   <li>r5: what was left afterwards: {@link RedisLocks#localLockCount()} (read when no actor runs) plus the lock's
 *       write key, live reader keys, readers set entries, waiting writers and subscriptions: 0.
 * </ul>
 * FORBIDDEN: anything else: a reader beside the write hold, a refused downgrade, hold counts of one thread seen by
 * the other, a lost wake-up, or leaked state.
 */
@JCStressTest
@Outcome(id = "11010, 100, 1, 0, 0", expect = ACCEPTABLE,
    desc = "The reader held the read lock alone, before the write hold or after the downgraded read hold.")
@Outcome(id = "11010, 100, 2, 0, 0", expect = ACCEPTABLE,
    desc = "The reader shared the read lock with the downgraded holder, after its write unlock.")
@Outcome(expect = FORBIDDEN,
    desc = "A reader beside the write hold, a refused downgrade, hold counts mixed up, a lost wake-up, or leaks.")
@State
public class ReadWriteDowngradeReaderTest {
  private static final InMemoryLockStore STORE = InMemoryLockStore.withoutKeyspaceNotifications();
  private static final InMemoryLocks LOCKS = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "downgrade-reader");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  private final String name = "downgrade-reader:" + NAMES.incrementAndGet();
  private final RedisReadWriteLock lock = LOCKS.readWriteLock(name);
  private final ThirdProcessWriter third = ThirdProcessWriter.holding(STORE, name);
  private final AtomicInteger writeHolds = new AtomicInteger(); // the downgrader's write hold is inside
  private final AtomicInteger readers = new AtomicInteger(); // the reader is inside
  private final AtomicBoolean downgraded = new AtomicBoolean(); // only the downgraded read hold is left
  private final AtomicInteger overlaps = new AtomicInteger();
  private volatile int found; // r3, written by the reader

  @Actor
  public void downgrader(IIIII_Result r) {
    third.release();
    if (!Actors.tryLock(lock.writeLock(), TIMEOUT)) {
      r.r1 = -1;
      return;
    }
    writeHolds.incrementAndGet();
    if (readers.get() != 0) {
      overlaps.incrementAndGet();
    }
    int seen = lock.getWriteHoldCount();
    seen = seen * 10 + (lock.readLock().tryLock() ? lock.getReadHoldCount() : 0); // a downgrade: never waits
    writeHolds.decrementAndGet();
    lock.writeLock().unlock();
    downgraded.set(true);
    seen = seen * 10 + lock.getWriteHoldCount();
    seen = seen * 10 + lock.getReadHoldCount();
    downgraded.set(false);
    if (seen % 10 == 1) {
      lock.readLock().unlock();
    }
    r.r1 = seen * 10 + lock.getReadHoldCount();
  }

  @Actor
  public void reader(IIIII_Result r) {
    if (!Actors.tryLock(lock.readLock(), TIMEOUT)) {
      r.r2 = -1;
      return;
    }
    readers.incrementAndGet();
    if (writeHolds.get() != 0) {
      overlaps.incrementAndGet();
    }
    found = downgraded.get() ? 2 : 1;
    int seen = lock.getReadHoldCount() * 10 + lock.getWriteHoldCount();
    readers.decrementAndGet();
    lock.readLock().unlock();
    r.r2 = seen * 10 + lock.getReadHoldCount();
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    r.r3 = found;
    r.r4 = overlaps.get();
    r.r5 = LOCKS.localLockCount() + LOCKS.readWriteLeftovers(name);
  }
}
