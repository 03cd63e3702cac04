package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.HolderThread;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a {@link RedisLocks} leaves behind: after {@code close()} nothing (no thread, no connection, no subscription,
 * asserted on the server too), and while open no local state for names that are no longer held or awaited.
 */
@ExtendWith(RedisExtension.class)
class ResourceHygieneIT {
  private final String prefix = "hygiene-" + UUID.randomUUID() + ":";

  @Test
  void closeLeavesNoThreadConnectionOrSubscriptionWhileLocksAreHeldAndThreadsWaitAndAwait(
      @Dedicated RedisServer server) throws Exception {
    server.admin();
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    RedisLocks other = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
    RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
    other.mutex("taken").lock();
    RedisMutex held = locks.mutex("held");
    held.lock();
    HolderThread waiter = HolderThread.lock(locks.mutex("taken")); // waits in lock(), subscribed
    CompletableFuture<Throwable> awaiting = CompletableFuture.supplyAsync(() -> {
      RedisMutex lock = locks.mutex("condition");
      lock.lock();
      try {
        Condition condition = lock.newCondition("never signalled");
        condition.await(1, TimeUnit.MINUTES);
        return null;
      } catch (Throwable e) {
        return e;
      }
    });
    await().atMost(Duration.ofSeconds(10)).until(() -> locks.subscribedChannelCount() >= 3);
    Set<Thread> started = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("redis-mutex-")).collect(Collectors.toSet());

    locks.close();
    other.close();

    assertThat(awaiting.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class);
    waiter.close();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(started)
        .filteredOn(Thread::isAlive).extracting(Thread::getName).as("library threads alive after close").isEmpty());
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
    assertThat(locks.subscribedChannelCount()).isZero();
    assertThatThrownBy(held::unlock).as("a hold at close is dropped by its unlock").isInstanceOf(
        IllegalStateException.class);
    assertThat(locks.localLockCount()).isZero();
  }

  @Test
  void closeWhileAnAwaitIsStillJoiningTheQueueEndsThatAwaitAtOnceWithIllegalStateException(
      @Dedicated RedisServer server) throws Exception {
    RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
    RedisMutex lock = locks.mutex("condition");
    CompletableFuture<Throwable> awaiting = new CompletableFuture<>();
    CountDownLatch locked = new CountDownLatch(1);
    CountDownLatch writesPaused = new CountDownLatch(1);
    Thread thread = new Thread(() -> {
      try {
        lock.lock();
        locked.countDown();
        writesPaused.await();
        lock.newCondition("never signalled").await(1, TimeUnit.MINUTES);
        awaiting.complete(null);
      } catch (Throwable e) {
        awaiting.complete(e);
      }
    }, "awaiting");
    try {
      thread.start();
      assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
      pauseWrites(server, Duration.ofSeconds(30)); // subscribing still works; joining the queue (a script) waits
      writesPaused.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> !server.admin().pubsubChannels("*:waiter:*:signal").isEmpty());
      long start = System.nanoTime();
      locks.close(); // cuts the connection the queueing script waits on

      assertThat(awaiting.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed while awaiting");
      System.out.printf("an await cut short by close() ended %d ms after close() began%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
    } finally {
      clientCommand(server, "UNPAUSE");
      locks.close();
    }
  }

  /** CLIENT PAUSE WRITE: reads and SUBSCRIBE are answered, every write (scripts included) waits. */
  private static void pauseWrites(RedisServer server, Duration duration) {
    clientCommand(server, "PAUSE", Long.toString(duration.toMillis()), "WRITE");
  }

  private static void clientCommand(RedisServer server, String... args) {
    server.admin().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).addValues(args));
  }

  @Test
  void closeWhileRedisIsStoppedReturnsWithinSecondsAndLeavesNoThread(@Dedicated RedisServer server) throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    RedisLocks other = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
    RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
    other.mutex("taken").lock();
    RedisMutex held = locks.mutex("held");
    held.lock();
    HolderThread waiter = HolderThread.lock(locks.mutex("taken"));
    await().atMost(Duration.ofSeconds(10)).until(() -> locks.subscribedChannelCount() > 0);
    Set<Thread> started = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> !before.contains(t) && t.getName().startsWith("redis-mutex-")).collect(Collectors.toSet());

    server.signal("STOP"); // no answer to anything, connections open
    long start = System.nanoTime();
    locks.close();
    other.close();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    server.signal("CONT");
    System.out.printf("close() of two RedisLocks while Redis was stopped took %d ms%n", tookMillis);
    assertThat(tookMillis).as("close() is bounded").isLessThan(20_000);
    waiter.close();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(started)
        .filteredOn(Thread::isAlive).extracting(Thread::getName).as("library threads alive after close").isEmpty());
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }

  @Test
  void tenThousandNamesUsedOnceLeaveNoLocalStateBehind(@Dedicated RedisServer server) throws Exception {
    try (RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
        RedisLocks other = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build()) {
      for (int i = 0; i < 10_000; i++) {
        RedisMutex lock = locks.mutex("once-" + i);
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
      }
      for (int i = 0; i < 200; i++) { // names held elsewhere: a wait that times out subscribes and must unsubscribe
        other.mutex("busy-" + i).lock();
        assertThat(locks.mutex("busy-" + i).tryLock(5, TimeUnit.MILLISECONDS)).isFalse();
        other.mutex("busy-" + i).unlock();
      }
      assertThat(locks.localLockCount()).as("local lock entries").isZero();
      assertThat(locks.heldLeaseCount()).as("leases in the watchdog").isZero();
      await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
        assertThat(locks.subscribedChannelCount()).as("subscribed channels").isZero();
        assertThat(server.admin().pubsubChannels()).as("channels on the server").isEmpty();
      });
    }
  }
}
