package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.LockOwner;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisReadWriteLock}'s rules between two {@link RedisLocks} (two processes, as far as the lock can tell):
 * shared reads, exclusive writes, writers first, reentrancy, downgrade, no upgrade, wake-ups, leases.
 */
@ExtendWith(RedisExtension.class)
class ReadWriteLockIT {
  private final RedisServer redis;
  private final String prefix = "rw-" + UUID.randomUUID() + ":";
  private final RedisLocks here;
  private final RedisLocks there;
  private final LockOwner alice = new LockOwner("alice");
  private final LockOwner bob = new LockOwner("bob");
  private final LockOwner carol = new LockOwner("carol");

  ReadWriteLockIT(RedisServer redis) {
    this.redis = redis;
    this.here = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    this.there = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    alice.close();
    bob.close();
    carol.close();
    here.close();
    there.close();
  }

  @Test
  void readersOfTwoProcessesHoldTheReadLockTogether() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").readLock(), 0)).isTrue();
    assertThat(carol.tryLock(here.readWriteLock("doc").readLock(), 0)).as("a second thread of one process").isTrue();
    assertThat(here.readWriteLock("doc").getReadLockCount()).isEqualTo(3);
  }

  @Test
  void aWriterExcludesEveryReaderAndWriterOfEveryProcess() throws Exception {
    alice.lock(here.readWriteLock("doc").writeLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").readLock(), 200)).isFalse();
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 200)).isFalse();
    assertThat(carol.tryLock(here.readWriteLock("doc").readLock(), 0)).as("another thread of its process").isFalse();
    assertThat(there.readWriteLock("doc").isWriteLocked()).isTrue();
    alice.unlock(here.readWriteLock("doc").writeLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").readLock(), 0)).isTrue();
  }

  @Test
  void aReaderExcludesWritersOfEveryProcess() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 200)).isFalse();
    assertThat(carol.tryLock(here.readWriteLock("doc").writeLock(), 0)).as("another thread of its process").isFalse();
    alice.unlock(here.readWriteLock("doc").readLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 0)).isTrue();
  }

  @Test
  void theLastReadersReleaseWakesTheWaitingWriterWithoutWaitingOutALease() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    carol.lock(there.readWriteLock("doc").readLock());
    Future<Boolean> writer = bob.start(() -> there.readWriteLock("doc").writeLock().tryLock(20, TimeUnit.SECONDS));
    awaitWaitingWriter("doc");
    alice.unlock(here.readWriteLock("doc").readLock());
    assertThatThrownBy(() -> writer.get(300, TimeUnit.MILLISECONDS)).as("one reader is left")
        .isInstanceOf(TimeoutException.class);
    long released = System.nanoTime();
    carol.unlock(there.readWriteLock("doc").readLock());
    assertThat(writer.get(10, TimeUnit.SECONDS)).isTrue();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - released);
    System.out.printf("writer acquired %d ms after the last reader's release (lease 30 s)%n", tookMillis);
    assertThat(tookMillis).as("woken by the release, not by its lease running out").isLessThan(5_000);
  }

  @Test
  void aWritersReleaseWakesEveryWaitingReader() throws Exception {
    alice.lock(here.readWriteLock("doc").writeLock());
    Future<Boolean> first = bob.start(() -> there.readWriteLock("doc").readLock().tryLock(20, TimeUnit.SECONDS));
    Future<Boolean> second = carol.start(() -> here.readWriteLock("doc").readLock().tryLock(20, TimeUnit.SECONDS));
    await().atMost(Duration.ofSeconds(10)).until(() -> redis.admin().exists(writeKey("doc") + ":waiters") == 1);
    alice.unlock(here.readWriteLock("doc").writeLock());
    assertThat(first.get(5, TimeUnit.SECONDS)).isTrue();
    assertThat(second.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void onceAWriterWaitsNewReadersWaitBehindIt() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    assertThat(carol.tryLock(there.readWriteLock("doc").readLock(), 0)).as("before any writer waits").isTrue();
    carol.unlock(there.readWriteLock("doc").readLock());
    Future<Boolean> writer = bob.start(() -> there.readWriteLock("doc").writeLock().tryLock(20, TimeUnit.SECONDS));
    awaitWaitingWriter("doc");
    assertThat(carol.tryLock(there.readWriteLock("doc").readLock(), 300)).as("a new reader, writer waiting")
        .isFalse();
    Future<Boolean> lateReader = carol.start(() -> there.readWriteLock("doc").readLock().tryLock(20, TimeUnit.SECONDS));
    alice.unlock(here.readWriteLock("doc").readLock());
    assertThat(writer.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(lateReader.isDone()).as("the reader waits for the writer's turn").isFalse();
    bob.unlock(there.readWriteLock("doc").writeLock());
    assertThat(lateReader.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWaitingWriterThatGivesUpLetsTheReadersItHeldBackIn() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    Future<Boolean> writer = bob.start(() -> there.readWriteLock("doc").writeLock().tryLock(5, TimeUnit.SECONDS));
    awaitWaitingWriter("doc");
    Future<Boolean> reader = carol.start(() -> there.readWriteLock("doc").readLock().tryLock(20, TimeUnit.SECONDS));
    assertThatThrownBy(() -> reader.get(300, TimeUnit.MILLISECONDS)).as("held back by the waiting writer")
        .isInstanceOf(TimeoutException.class);
    long gaveUp = System.nanoTime();
    writer.cancel(true); // the writer's tryLock is interrupted: it gives up, and leaves the queue
    assertThat(reader.get(10, TimeUnit.SECONDS)).isTrue();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - gaveUp);
    System.out.printf("held-back reader acquired %d ms after the waiting writer gave up%n", tookMillis);
    assertThat(tookMillis).as("told by the writer's leaving, not by its ticket going stale (5 s + 1 s)")
        .isLessThan(3_000);
  }

  @Test
  void aDowngradedWriterAwaitingAConditionOfTheWriteLockIsRefusedAtOnceAndKeepsItsHolds() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.call(() -> {
      lock.writeLock().lock();
      lock.readLock().lock();
      Condition condition = lock.writeLock().newCondition("changed");
      assertThatThrownBy(() -> condition.await(1, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds the read lock of 'doc'");
      assertThat(lock.getWriteHoldCount()).isEqualTo(1);
      assertThat(lock.getReadHoldCount()).isEqualTo(1);
      assertThat(lock.writeLock().isLeaseValid()).isTrue();
      lock.readLock().unlock();
      lock.writeLock().unlock();
      return null;
    });
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 0)).as("nothing left held").isTrue();
  }

  @Test
  void readAndWriteHoldsAreReentrantAtNoRoundTrip() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.call(() -> {
      lock.readLock().lock();
      Map<String, Long> before = redis.commandCalls();
      lock.readLock().lock();
      lock.readLock().unlock();
      assertThat(redis.commandCalls()).as("a read re-entry and its unlock").isEqualTo(before);
      assertThat(lock.getReadHoldCount()).isEqualTo(1);
      lock.readLock().unlock();
      lock.writeLock().lock();
      lock.writeLock().lock();
      assertThat(lock.getWriteHoldCount()).isEqualTo(2);
      lock.writeLock().unlock();
      assertThat(lock.isWriteLockedByCurrentThread()).isTrue();
      lock.writeLock().unlock();
      assertThat(lock.isWriteLockedByCurrentThread()).isFalse();
      return null;
    });
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 0)).as("everything released").isTrue();
  }

  @Test
  void theWriterMayTakeTheReadLockAndKeepItAfterUnlockingTheWriteLock() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.call(() -> {
      lock.writeLock().lock();
      lock.readLock().lock(); // a downgrade
      lock.writeLock().unlock();
      assertThat(lock.getReadHoldCount()).isEqualTo(1);
      assertThat(lock.getWriteHoldCount()).isZero();
      return null;
    });
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 200)).as("the downgraded reader holds").isFalse();
    assertThat(bob.tryLock(there.readWriteLock("doc").readLock(), 0)).as("readers share with it").isTrue();
    alice.unlock(lock.readLock());
    bob.unlock(there.readWriteLock("doc").readLock());
    assertThat(carol.tryLock(there.readWriteLock("doc").writeLock(), 0)).isTrue();
  }

  @Test
  void aDowngradedWritersUnlockHandsTheWriteLockToNoWriterOfItsOwnProcessWhileItReads() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.lock(lock.writeLock());
    Future<Boolean> localWriter = bob.start(() -> lock.writeLock().tryLock(20, TimeUnit.SECONDS));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> here.readWriteLocks().orElseThrow().hasLocalWriterQueued("doc"));
    alice.call(() -> {
      lock.readLock().lock(); // a downgrade, with a writer of this process waiting at the local gate
      lock.writeLock().unlock();
      return null;
    });
    assertThat(carol.tryLock(there.readWriteLock("doc").writeLock(), 300)).isFalse();
    assertThat(localWriter.isDone()).as("the local writer waits for the downgraded reader").isFalse();
    alice.unlock(lock.readLock());
    assertThat(localWriter.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aWritersUnlockHandsTheWriteLockToAWriterOfItsOwnProcessWithoutRedis() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.lock(lock.writeLock());
    Future<Boolean> localWriter = bob.start(() -> lock.writeLock().tryLock(20, TimeUnit.SECONDS));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> here.readWriteLocks().orElseThrow().hasLocalWriterQueued("doc"));
    Map<String, Long> before = redis.commandCalls();
    alice.unlock(lock.writeLock());
    assertThat(localWriter.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(redis.commandCalls()).as("a local hand-over").isEqualTo(before);
    assertThat(carol.tryLock(there.readWriteLock("doc").readLock(), 200)).as("readers stay out").isFalse();
  }

  @Test
  void aReaderAskingForTheWriteLockIsRefusedAtOnceRatherThanDeadlocked() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    alice.call(() -> {
      lock.readLock().lock();
      assertThat(lock.writeLock().tryLock()).isFalse();
      long start = System.nanoTime();
      assertThat(lock.writeLock().tryLock(5, TimeUnit.SECONDS)).isFalse();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("at once").isLessThan(1_000);
      assertThatThrownBy(lock.writeLock()::lock).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("holds the read lock of 'doc'").hasMessageContaining("no upgrade");
      lock.readLock().unlock();
      assertThat(lock.writeLock().tryLock()).as("once the read hold is gone").isTrue();
      lock.writeLock().unlock();
      return null;
    });
  }

  @Test
  void theWriteLockHasRisingFencingTokensAndWorkingConditions() throws Exception {
    RedisMutex write = here.readWriteLock("doc").writeLock();
    long first = alice.call(() -> {
      write.lock();
      try {
        return write.fencingToken();
      } finally {
        write.unlock();
      }
    });
    Future<Boolean> awaiting = alice.start(() -> {
      write.lock();
      try {
        Condition ready = write.newCondition("ready");
        return ready.await(20, TimeUnit.SECONDS);
      } finally {
        write.unlock();
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> !redis.admin().keys(writeKey("doc") + ":cond:*").isEmpty());
    RedisMutex otherWrite = there.readWriteLock("doc").writeLock();
    long second = bob.call(() -> {
      otherWrite.lock();
      try {
        otherWrite.newCondition("ready").signal();
        return otherWrite.fencingToken();
      } finally {
        otherWrite.unlock();
      }
    });
    assertThat(awaiting.get(10, TimeUnit.SECONDS)).isTrue();
    assertThat(second).isGreaterThan(first);
  }

  @Test
  void aReadHoldWhoseKeyWasLostSaysSoAtUnlockAndLeavesTheOtherReadersHolding() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    bob.lock(there.readWriteLock("doc").readLock());
    assertThat(redis.admin().keys(writeKey("doc") + ":r:*")).hasSize(2);
    String alicesKey = alice.call(() -> readerKeyOfCurrentThread(here, "doc"));
    redis.admin().del(alicesKey);
    assertThatThrownBy(() -> alice.unlock(here.readWriteLock("doc").readLock()))
        .hasRootCauseInstanceOf(LeaseExpiredException.class);
    assertThat(there.readWriteLock("doc").getReadLockCount()).as("bob still reads").isEqualTo(1);
    assertThat(carol.tryLock(here.readWriteLock("doc").writeLock(), 200)).isFalse();
  }

  @Test
  void aWriteHoldWhoseKeyWasLostSaysSoAtUnlock() throws Exception {
    alice.lock(here.readWriteLock("doc").writeLock());
    redis.admin().del(writeKey("doc"));
    assertThatThrownBy(() -> alice.unlock(here.readWriteLock("doc").writeLock()))
        .hasRootCauseInstanceOf(LeaseExpiredException.class);
  }

  @Test
  void readAndWriteHoldsOutliveManyLeasesWhileHeldAndEndWithTheirLeaseWhenNotRenewed() throws Exception {
    try (RedisLocks shortLeases = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix)
        .leaseTime(Duration.ofMillis(300)).build()) {
      alice.lock(shortLeases.readWriteLock("reader").readLock());
      bob.lock(shortLeases.readWriteLock("writer").writeLock());
      Thread.sleep(1_500); // the behaviour under test: five leases of holding, renewed in the background
      assertThat(alice.call(shortLeases.readWriteLock("reader").readLock()::isLeaseValid)).isTrue();
      assertThat(bob.call(shortLeases.readWriteLock("writer").writeLock()::isLeaseValid)).isTrue();
      assertThat(carol.tryLock(there.readWriteLock("reader").writeLock(), 0)).as("the reader still holds").isFalse();
      assertThat(carol.tryLock(there.readWriteLock("writer").readLock(), 0)).as("the writer still holds").isFalse();
    }
    assertThat(carol.tryLock(there.readWriteLock("reader").writeLock(), 2_000))
        .as("a closed instance's read hold ends with its lease").isTrue();
  }

  @Test
  void theReadLockHasNoConditionsAndUnlockWithoutAHoldIsRefused() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("doc");
    assertThatThrownBy(lock.readLock()::newCondition).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(lock.readLock()::unlock).isInstanceOf(IllegalMonitorStateException.class)
        .hasMessageContaining("'doc'");
    assertThatThrownBy(lock.writeLock()::unlock).isInstanceOf(IllegalMonitorStateException.class);
    assertThatThrownBy(() -> here.readWriteLock(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(() -> here.readWriteLock("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name must not be empty");
    assertThatThrownBy(() -> here.readWriteLock("x".repeat(1025))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1025 bytes");
    assertThatThrownBy(() -> lock.readLock().tryLock(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
  }

  @Test
  void namesUsedOnceLeaveNoLocalStateAndNoKeysBehind() throws Exception {
    alice.call(() -> {
      for (int i = 0; i < 500; i++) {
        RedisReadWriteLock lock = here.readWriteLock("once-" + i);
        lock.readLock().lock();
        lock.readLock().unlock();
        lock.writeLock().lock();
        lock.writeLock().unlock();
      }
      return null;
    });
    for (int i = 0; i < 20; i++) { // contended: a waiting reader subscribes, and must unsubscribe
      bob.lock(there.readWriteLock("busy-" + i).writeLock());
      assertThat(alice.tryLock(here.readWriteLock("busy-" + i).readLock(), 5)).isFalse();
      bob.unlock(there.readWriteLock("busy-" + i).writeLock());
    }
    assertThat(here.localLockCount()).as("local entries").isZero();
    assertThat(here.heldLeaseCount()).as("leases in the watchdog").isZero();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(here.subscribedChannelCount()).as("subscribed channels").isZero();
      assertThat(redis.admin().keys(prefix + "*")).as("keys left").allMatch(key -> key.endsWith(":fence")
          || key.endsWith(":waiters"));
    });
  }

  @Test
  void aMutexAndAReadWriteLockOfTheSameNameAreTwoLocks() throws Exception {
    alice.lock(here.mutex("doc"));
    assertThat(bob.tryLock(there.readWriteLock("doc").writeLock(), 0)).isTrue();
  }

  private String writeKey(String name) {
    return LockKeys.writeKey(here.keyOf(name));
  }

  private static String readerKeyOfCurrentThread(RedisLocks locks, String name) {
    return locks.readWriteLocks().orElseThrow().readerLeaseKey(name);
  }

  private void awaitWaitingWriter(String name) {
    await().atMost(Duration.ofSeconds(10)).until(() -> redis.admin().zcard(writeKey(name) + ":queue") > 0);
  }
}
