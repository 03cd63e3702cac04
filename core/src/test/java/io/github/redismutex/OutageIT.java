package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Redis stalled, down or restarted: every test here breaks a server of its own. */
@ExtendWith(RedisExtension.class)
class OutageIT {
  private final String prefix = "outage-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private RedisServer server;
  private RedisLocks holder;
  private RedisLocks waiter;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
    holder = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(Duration.ofSeconds(2)).build();
    waiter = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(Duration.ofSeconds(2)).build();
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    server.resume(); // a stopped server would hold up the clients' close() until their timeouts
    holder.close();
    waiter.close();
  }

  @Test
  void tryLockReturnsFalseWithinItsTimeoutWhileRedisIsStalled() throws Exception {
    server.signal("STOP");
    long start = System.nanoTime();
    assertThat(waiter.mutex("stalled").tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("tryLock(300 ms) against a stalled Redis returned after %d ms%n", tookMillis);
    assertThat(tookMillis).as("t plus a few ms; generous for a loaded CI machine").isBetween(295L, 600L);
    assertThat(waiter.localLockCount()).isZero();
  }

  @Test
  void aTryLockThatTimedOutLeavesNoKeyBehindWhenRedisCatchesUp() throws Exception {
    server.signal("STOP");
    assertThat(waiter.mutex("late").tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
    server.signal("CONT"); // the SET NX sent before the timeout runs now, and must be undone
    await().atMost(Duration.ofSeconds(5)).until(() -> server.admin().exists(waiter.keyOf("late")) == 0);
    assertThat(holder.mutex("late").tryLock()).as("free for others at once, not after a lease").isTrue();
    holder.mutex("late").unlock();
  }

  @Test
  void aWaiterWhosePubSubConnectionWasCutStillGetsTheLockPromptlyAfterTheRelease() throws Exception {
    RedisLocks longLeaseHolder = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build(); // 30 s lease
    RedisMutex held = longLeaseHolder.mutex("cut");
    held.lock();
    Future<Long> acquiredAt = threads.submit(() -> {
      waiter.mutex("cut").lock();
      long at = System.nanoTime();
      waiter.mutex("cut").unlock();
      return at;
    });
    // past the waiter's attempt, which queued it: it waits for a message, its lease re-check 30 s away
    await().until(() -> server.admin().zcard(LockKeys.queueKey(waiter.keyOf("cut"))) == 1);
    server.admin().clientKill(io.lettuce.core.KillArgs.Builder.typePubsub()); // the release message will be lost
    long releasedAt = System.nanoTime();
    held.unlock();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - releasedAt);
    System.out.printf("after its pub/sub connection was cut, the waiter acquired %d ms after the release%n", tookMillis);
    // Lettuce reconnects and subscribes again; the confirmation wakes the waiter to look again, long before the
    // 30 s lease re-check would have.
    assertThat(tookMillis).isLessThan(5000);
    longLeaseHolder.close();
  }

  @Test
  void aHolderWhoseConnectionWasCutKeepsItsLeaseAndReleasesNormally() throws Exception {
    RedisMutex held = holder.mutex("reconnecting holder");
    held.lock();
    server.admin().clientKill(io.lettuce.core.KillArgs.Builder.typeNormal().skipme());
    Thread.sleep(2_500); // the holder's work, longer than the 2 s lease: only renewals after the reconnect keep it
    assertThat(held.isLeaseValid()).isTrue();
    assertThat(waiter.mutex("reconnecting holder").tryLock()).isFalse();
    held.unlock();
    assertThat(waiter.mutex("reconnecting holder").tryLock()).isTrue();
    waiter.mutex("reconnecting holder").unlock();
  }

  @Test
  void tryLockReturnsFalseWithinItsTimeoutWhileRedisIsDown() throws Exception {
    server.stop();
    long start = System.nanoTime();
    assertThat(waiter.mutex("down").tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMillis).as("t plus a few ms; generous for a loaded CI machine").isBetween(295L, 600L);
  }

  @Test
  void tryLockWithoutTimeThrowsWhenRedisIsDown() {
    server.stop();
    assertThatThrownBy(() -> waiter.mutex("down").tryLock()).isInstanceOf(io.lettuce.core.RedisException.class);
    assertThat(waiter.localLockCount()).isZero();
  }

  @Test
  void lockWaitsThroughAStallAndAcquiresWhenRedisResumes() throws Exception {
    server.signal("STOP");
    Future<Boolean> locked = threads.submit(() -> {
      waiter.mutex("patient").lock();
      return waiter.mutex("patient").isHeldByCurrentThread();
    });
    Thread.sleep(2_500); // the length of the stall, longer than the command timeout: lock() must retry, not give up
    assertThat(locked).isNotDone();
    server.signal("CONT");
    assertThat(locked.get(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void waitersAcquireAndTheOldHolderLearnsItsLeaseIsGoneAfterARestartWithoutPersistence() throws Exception {
    RedisMutex held = holder.mutex("restarted");
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch unlock = new CountDownLatch(1);
    CompletableFuture<Throwable> unlockOutcome = new CompletableFuture<>();
    threads.submit(() -> {
      held.lock();
      locked.countDown();
      unlock.await();
      try {
        held.unlock();
        unlockOutcome.complete(null);
      } catch (Throwable t) {
        unlockOutcome.complete(t);
      }
      return null;
    });
    locked.await();
    Future<?> waiting = threads.submit(() -> {
      RedisMutex lock = waiter.mutex("restarted");
      lock.lock();
      lock.unlock();
      return null;
    });
    await().until(() -> waiter.subscribedChannelCount() > 0);

    server.stop(); // SIGTERM with saving off: the lock key is gone when it comes back
    server.start();

    waiting.get(15, TimeUnit.SECONDS);
    unlock.countDown();
    assertThat(unlockOutcome.get(10, TimeUnit.SECONDS)).isInstanceOf(LeaseExpiredException.class);
    RedisMutex again = holder.mutex("restarted");
    again.lock();
    again.unlock();
  }
}
