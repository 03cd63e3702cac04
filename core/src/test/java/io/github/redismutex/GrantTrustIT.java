package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Clients;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.TcpProxy;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A waiter holds a lock handed to it by a release ("granted …") only when the announcement answers its latest
 * attempt, whatever the fencing counter did meanwhile and whoever else may publish on the lock's channels; and it
 * holds it without another round trip however long it waited. Each test has a server of its own.
 */
@ExtendWith(RedisExtension.class)
class GrantTrustIT {
  private final String prefix = "grants-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<RedisLocks> opened = new ArrayList<>();
  private RedisServer server;
  private TcpProxy proxy;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
    proxy = TcpProxy.to(server.port());
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
    proxy.close();
  }

  private RedisLocks connect(String uri, Duration lease) {
    RedisLocks locks = RedisLocks.builder().uri(uri).keyPrefix(prefix).leaseTime(lease).build();
    opened.add(locks);
    return locks;
  }

  private String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  private long queued(String name) {
    return server.admin().zcard(LockKeys.queueKey(key(name)));
  }

  /**
   * W queues; its pub/sub traffic starts to lag; H releases and hands the lock to W, which does not hear of it; the
   * short lease of that hand-over ends and X takes the lock; the fencing counter is reset (a restart without
   * persistence, say); W attempts again and queues behind X. Then the late announcement arrives: it answers an
   * earlier attempt of W, and W must not enter while X holds the lock.
   */
  @Test
  void aLateGrantForAnEarlierAttemptIsNotTrustedAfterTheFencingCounterWasReset() throws Exception {
    // H's lease: W re-checks when it would run out, at least 2/3 of it (2.3 s) after its attempt, so after the
    // 2 s hand-over lease has ended and X has taken the lock.
    RedisLocks holder = connect(server.uri(), Duration.ofMillis(3_500));
    RedisLocks w = connect(proxy.uri(), Duration.ofSeconds(30));
    RedisLocks x = connect(server.uri(), Duration.ofSeconds(30));
    RedisMutex held = holder.mutex("late");
    held.lock();
    AtomicBoolean xHolds = new AtomicBoolean();
    AtomicBoolean wEnteredWhileXHeld = new AtomicBoolean();
    CountDownLatch xMayLeave = new CountDownLatch(1);
    Future<?> wWaits = threads.submit(() -> {
      RedisMutex lock = w.mutex("late");
      lock.lock();
      wEnteredWhileXHeld.set(xHolds.get());
      lock.unlock();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("late") == 1);
    Future<?> xWaits = threads.submit(() -> {
      RedisMutex lock = x.mutex("late");
      lock.lock();
      xHolds.set(true);
      xMayLeave.await();
      xHolds.set(false);
      lock.unlock();
      return null;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("late") == 2);

    proxy.holdSubscribers(); // from now on W hears nothing until pass()
    long before = proxy.commandChunksToServer();
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.commandChunksToServer() > before); // W re-checked
    held.unlock(); // right after W's attempt: handed to W for 2 s, announced, unheard
    await().atMost(Duration.ofSeconds(10)).untilTrue(xHolds);
    server.admin().del(LockKeys.fenceKey(key("late")));
    long afterReset = proxy.commandChunksToServer();
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.commandChunksToServer() > afterReset); // W queued again
    proxy.pass(); // the late announcement reaches W now

    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !wWaits.isDone());
    xMayLeave.countDown();
    xWaits.get(10, TimeUnit.SECONDS);
    wWaits.get(10, TimeUnit.SECONDS);
    assertThat(wEnteredWhileXHeld).as("W entered while X held the lock").isFalse();
  }

  /**
   * Even knowing a waiter's owner token (as anyone who can read lock keys does), a client that may only publish on
   * the lock's channels cannot make the waiter believe the lock is its own.
   */
  @Test
  void aClientAllowedOnlyToPublishCannotHandOutALock() throws Exception {
    server.admin().aclSetuser("publisher", io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("secret")
        .addCommand(io.lettuce.core.protocol.CommandType.PUBLISH).allChannels());
    RedisLocks holder = connect(server.uri(), Duration.ofSeconds(30));
    RedisLocks waiter = connect(server.uri(), Duration.ofSeconds(30));
    RedisMutex held = holder.mutex("forged");
    held.lock();
    AtomicBoolean entered = new AtomicBoolean();
    Future<?> waiting = threads.submit(() -> {
      RedisMutex lock = waiter.mutex("forged");
      lock.lock();
      entered.set(true);
      lock.unlock();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("forged") == 1);
    String token = server.admin().zrange(LockKeys.queueKey(key("forged")), 0, 0).get(0).split(" ")[0];
    String channel = LockKeys.releaseChannel(key("forged"));
    RedisClient client = RedisClient.create(RedisURI.builder().withHost("127.0.0.1").withPort(server.port())
        .withAuthentication("publisher", "secret").build());
    try (StatefulRedisConnection<String, String> publisher = client.connect()) {
      List<String> serverTime = server.admin().time();
      String micros = serverTime.get(0) + String.format("%06d", Long.parseLong(serverTime.get(1)));
      for (String forged : List.of(
          "granted " + token + " 2000 999999999999",
          "granted " + token + " " + UUID.randomUUID() + " 2000 999999999999 " + micros,
          "granted " + token + " 0 2000 999999999999 " + micros)) {
        publisher.sync().publish(channel, forged);
      }
    } finally {
      Clients.shutdown(client);
    }
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).untilFalse(entered);
    held.unlock();
    waiting.get(10, TimeUnit.SECONDS);
    assertThat(entered).isTrue();
  }

  /**
   * A waiter that waited longer than the hand-over's short lease still takes the announcement as the lock, without
   * another acquisition attempt: the release's script and the waiter's renewal are all the scripts of the hand-over,
   * and no acquire.lua ran (it would have left the queue with ZREM).
   */
  @Test
  void aWaiterThatWaitedLongerThanTheHandOverLeaseHoldsTheLockWithoutAnotherAttempt() throws Exception {
    RedisLocks holder = connect(server.uri(), Duration.ofSeconds(30));
    RedisLocks waiter = connect(server.uri(), Duration.ofSeconds(30));
    RedisMutex held = holder.mutex("patient");
    held.lock();
    CountDownLatch acquired = new CountDownLatch(1);
    CountDownLatch mayLeave = new CountDownLatch(1);
    Future<?> waiting = threads.submit(() -> {
      RedisMutex lock = waiter.mutex("patient");
      lock.lock();
      acquired.countDown();
      mayLeave.await();
      lock.unlock();
      return null;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("patient") == 1);
    Thread.sleep(LettuceLockStore.MAX_GRANT_LEASE_MILLIS + 500); // the holder's work, longer than a grant lease
    long scriptsBefore = server.commandCalls().getOrDefault("evalsha", 0L);
    long queueExitsBefore = server.commandCalls().getOrDefault("zrem", 0L);
    held.unlock();
    assertThat(acquired.await(5, TimeUnit.SECONDS)).isTrue();
    // the release, then the waiter's renewal to the full lease (in the background)
    await().atMost(Duration.ofSeconds(5))
        .until(() -> server.commandCalls().getOrDefault("evalsha", 0L) - scriptsBefore >= 2);
    assertThat(server.commandCalls().getOrDefault("evalsha", 0L) - scriptsBefore)
        .as("scripts run from the release to the hold: release.lua and renew.lua").isEqualTo(2);
    assertThat(server.commandCalls().getOrDefault("zrem", 0L) - queueExitsBefore).as("acquire.lua's ZREM").isZero();
    mayLeave.countDown();
    waiting.get(10, TimeUnit.SECONDS);
  }
}
