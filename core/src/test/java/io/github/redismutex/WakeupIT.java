package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.LockClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Waiters are woken by Redis pub/sub, not by polling, in both modes: keyspace notifications (which the library turns
 * on) and the fallback channel, used here by an ACL user that may not run CONFIG on a server with notifications off.
 */
@ExtendWith(RedisExtension.class)
class WakeupIT {
  private static final String USER_WITHOUT_CONFIG = "noconfig";
  private static RedisServer notificationsOff;

  private final RedisServer shared;
  private final String prefix = "wakeup-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<RedisLocks> opened = new ArrayList<>();

  WakeupIT(RedisServer shared) {
    this.shared = shared;
  }

  @BeforeAll
  static void startServerWithoutConfigPermission(@Dedicated RedisServer server) { // the class's, in @BeforeAll
    notificationsOff = server;
    notificationsOff.admin().aclSetuser(USER_WITHOUT_CONFIG,
        io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("pw").allKeys().allChannels().allCommands()
            .removeCommand(io.lettuce.core.protocol.CommandType.CONFIG));
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private String uri(WakeupMode mode) {
    return mode == WakeupMode.KEYSPACE
        ? shared.uri()
        : "redis://" + USER_WITHOUT_CONFIG + ":pw@127.0.0.1:" + notificationsOff.port();
  }

  private RedisServer server(WakeupMode mode) {
    return mode == WakeupMode.KEYSPACE ? shared : notificationsOff;
  }

  private RedisLocks node(WakeupMode mode, Duration lease) {
    RedisLocks locks = RedisLocks.builder().uri(uri(mode)).keyPrefix(prefix).leaseTime(lease)
        .configureKeyspaceNotifications(true).build(); // refused (no CONFIG) for the CHANNEL mode's user
    opened.add(locks);
    assertThat(locks.wakeupMode()).isEqualTo(mode);
    return locks;
  }

  private static long queued(RedisServer server, RedisLocks locks, String name) {
    return server.admin().zcard(LockKeys.queueKey(locks.keyOf(name)));
  }

  @ParameterizedTest
  @EnumSource(WakeupMode.class)
  void aWaiterInAnotherNodeGetsTheLockWithinTensOfMillisecondsOfTheRelease(WakeupMode mode) throws Exception {
    RedisLocks holder = node(mode, RedisLocks.DEFAULT_LEASE_TIME);
    RedisLocks waiter = node(mode, RedisLocks.DEFAULT_LEASE_TIME);
    List<Long> handOverMicros = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      RedisMutex held = holder.mutex("handover");
      held.lock();
      Future<Long> acquiredAt = threads.submit(() -> {
        RedisMutex lock = waiter.mutex("handover");
        lock.lock();
        long at = System.nanoTime();
        lock.unlock();
        return at;
      });
      // past the waiter's scripted attempt, which queued it: it is now waiting for a message
      await().pollInterval(Duration.ofMillis(5))
          .until(() -> queued(server(mode), waiter, "handover") == 1);
      long releasedAt = System.nanoTime();
      held.unlock();
      handOverMicros.add(TimeUnit.NANOSECONDS.toMicros(acquiredAt.get(10, TimeUnit.SECONDS) - releasedAt));
    }
    Collections.sort(handOverMicros);
    System.out.printf("hand-over in %s mode over 20 rounds: p50 %d us, max %d us%n", mode,
        handOverMicros.get(10), handOverMicros.get(19));
    // A 30 s lease: only a pub/sub message can have woken the waiter this early. Tens of milliseconds at most for
    // the median; the slowest round may meet a GC pause or a busy CI machine.
    assertThat(handOverMicros.get(10)).isLessThan(TimeUnit.MILLISECONDS.toMicros(50));
    assertThat(handOverMicros.get(19)).isLessThan(TimeUnit.SECONDS.toMicros(1));
  }

  @Test
  void releasesStillWakeWaitersAfterKeyspaceNotificationsAreTurnedOffBehindTheLibrarysBack(
      @Dedicated RedisServer server) throws Exception {
    RedisLocks holder = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix)
        .configureKeyspaceNotifications(true).build();
    RedisLocks waiter = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix)
        .configureKeyspaceNotifications(true).build();
    opened.add(holder);
    opened.add(waiter);
    assertThat(waiter.wakeupMode()).isEqualTo(WakeupMode.KEYSPACE);
    server.admin().configSet("notify-keyspace-events", ""); // an operator, or a restart that lost the setting
    holder.mutex("reconfigured").lock();
    Future<Long> acquiredAt = threads.submit(() -> {
      waiter.mutex("reconfigured").lock();
      long at = System.nanoTime();
      waiter.mutex("reconfigured").unlock();
      return at;
    });
    await().until(() -> queued(server, waiter, "reconfigured") == 1); // past its attempt: waiting for a message
    long releasedAt = System.nanoTime();
    holder.mutex("reconfigured").unlock();
    assertThat(TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - releasedAt))
        .as("woken by the release's own announcement, not by the 30 s lease running out").isLessThan(1000);
  }

  @ParameterizedTest
  @EnumSource(WakeupMode.class)
  void aLockFreesItselfWhenItsHolderProcessIsKilledAndNotBefore(WakeupMode mode) throws Exception {
    RedisLocks waiter = node(mode, RedisLocks.DEFAULT_LEASE_TIME);
    try (ChildJvm holder = ChildJvm.start(LockClientMain.class, "hold", uri(mode), prefix, "crashed", "1000")) {
      holder.awaitLine("HELD", 30, TimeUnit.SECONDS);
      Future<Long> acquiredAt = threads.submit(() -> {
        RedisMutex lock = waiter.mutex("crashed");
        lock.lock();
        long at = System.nanoTime();
        lock.unlock();
        return at;
      });
      await().until(() -> waiter.subscribedChannelCount() > 0);
      holder.kill();
      long ttlMillis = server(mode).admin().pttl(waiter.keyOf("crashed"));
      long expiresAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ttlMillis);
      assertThat(ttlMillis).as("the key outlives its killed holder").isPositive();
      long lateMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - expiresAt);
      System.out.printf("after the holder was killed (%s mode): acquired %d ms after the lease ran out%n", mode,
          lateMillis);
      assertThat(lateMillis).as("never before the lease ran out (PTTL rounds down 1 ms)").isGreaterThanOrEqualTo(-2);
      assertThat(lateMillis).as("soon after it").isLessThan(1000);
    }
  }
}
