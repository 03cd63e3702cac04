package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.KillArgs;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A thread in {@code Condition.await()} (1 s lease, so a heartbeat every 333 ms) while its connection is cut or Redis
 * is stopped or restarted: it is never stranded. It wakes when signalled, or spuriously when it cannot know, and
 * holds the lock again when it returns.
 */
@ExtendWith(RedisExtension.class)
class ConditionFaultIT {
  private static final Duration LEASE = Duration.ofSeconds(1);
  private final String prefix = "condition-faults-" + UUID.randomUUID() + ":";
  private RedisServer server;
  private RedisLocks waiterLocks;
  private RedisLocks signallerLocks;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
    waiterLocks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build();
    signallerLocks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build();
  }

  @AfterEach
  void stop() {
    waiterLocks.close();
    signallerLocks.close();
  }

  @Test
  void aSignalSentRightAfterTheWaitersPubSubConnectionWasCutWakesItWithinAHeartbeat() throws Exception {
    CompletableFuture<Long> woke = awaitInThread();
    server.admin().clientKill(KillArgs.Builder.typePubsub()); // the signal's message is lost on the way
    long signalledAt = System.nanoTime();
    RedisMutex lock = signallerLocks.mutex("queue");
    lock.lock();
    try {
      lock.newCondition("ready").signal();
    } finally {
      lock.unlock();
    }
    long wokeAfter = TimeUnit.NANOSECONDS.toMillis(woke.get(10, TimeUnit.SECONDS) - signalledAt);
    System.out.printf("condition: signal with the waiter's pub/sub connection cut woke it after %d ms%n", wokeAfter);
    assertThat(wokeAfter).as("within a heartbeat (a third of the lease) and a reconnect").isLessThan(
        LEASE.toMillis() / 3 + 1_000);
  }

  @Test
  void aWaiterWhileRedisIsStoppedForThreeLeasesWakesOnceItResumesAndHoldsTheLock() throws Exception {
    CompletableFuture<Long> woke = awaitInThread();
    server.signal("STOP");
    Thread.sleep(3 * LEASE.toMillis()); // the length of the stop
    long resumedAt = System.nanoTime();
    server.signal("CONT");
    long wokeAfter = TimeUnit.NANOSECONDS.toMillis(woke.get(15, TimeUnit.SECONDS) - resumedAt);
    System.out.printf("condition: awaiting through a 3 s stop of Redis, woke (spuriously) %d ms after it resumed%n",
        wokeAfter);
    assertThat(wokeAfter).as("its state lapsed: it cannot know whether it was signalled").isLessThan(5_000);
  }

  @Test
  void aWaiterAcrossARestartWithoutPersistenceWakesAndHoldsTheLock() throws Exception {
    CompletableFuture<Long> woke = awaitInThread();
    server.stop(); // the queue, the waiter's state and the lock are gone when it comes back
    server.start();
    long restartedAt = System.nanoTime();
    long wokeAfter = TimeUnit.NANOSECONDS.toMillis(woke.get(15, TimeUnit.SECONDS) - restartedAt);
    System.out.printf("condition: awaiting across a restart without persistence, woke %d ms after it%n", wokeAfter);
    assertThat(wokeAfter).isLessThan(5_000);
  }

  /**
   * A thread that locks "queue", awaits condition "ready" without a timeout, checks it holds the lock again and
   * unlocks; completes with the nanoTime it woke at. Returns once it is waiting (the lock free again).
   */
  private CompletableFuture<Long> awaitInThread() {
    CompletableFuture<Long> woke = new CompletableFuture<>();
    Thread thread = new Thread(() -> {
      RedisMutex lock = waiterLocks.mutex("queue");
      try {
        lock.lock();
        Condition ready = lock.newCondition("ready");
        ready.awaitUninterruptibly();
        long at = System.nanoTime();
        if (!lock.isHeldByCurrentThread()) {
          throw new AssertionError("await returned without the lock");
        }
        try {
          lock.unlock();
        } catch (LeaseExpiredException e) {
          // after an outage of a lease the re-acquired lease may itself have been lost again: not this test's point
        }
        woke.complete(at);
      } catch (Throwable e) {
        woke.completeExceptionally(e);
      }
    }, "condition-waiter");
    thread.setDaemon(true);
    thread.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> waiterLocks.subscribedChannelCount() > 0
        && !signallerLocks.mutex("queue").isLocked());
    return woke;
  }
}
