package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.TcpProxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An acquisition that gives up (its timeout, close()) leaves nothing behind that another client would have to wait
 * out: no lock held by nobody, and no queue entry a release would hand the lock to, even when Redis could not be
 * reached at the moment it gave up. Each test has a server of its own; the clients that lose Redis reach it through a
 * {@link TcpProxy}.
 */
@ExtendWith(RedisExtension.class)
class AbandonedAttemptIT {
  /** A fault this long leaves the clean-ups of the acquisitions that gave up meanwhile unsent. */
  private static final Duration DISCONNECT = Duration.ofSeconds(1);

  private final String prefix = "abandoned-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<RedisLocks> opened = new ArrayList<>();
  private final List<TcpProxy> proxies = new ArrayList<>();
  private RedisServer server;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
    proxies.forEach(TcpProxy::close);
  }

  private RedisLocks connect(String uri, Duration lease) {
    RedisLocks locks = RedisLocks.builder().uri(uri).keyPrefix(prefix).leaseTime(lease).build();
    opened.add(locks);
    return locks;
  }

  private TcpProxy proxy() {
    TcpProxy proxy = TcpProxy.to(server.port());
    proxies.add(proxy);
    return proxy;
  }

  private String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  private long queued(String name) {
    return server.admin().zcard(LockKeys.queueKey(key(name)));
  }

  @Test
  void aTryLockWhoseSetRanButWhoseCleanUpFoundRedisUnreachableReleasesTheKeyOnceReconnected() throws Exception {
    TcpProxy proxy = proxy();
    RedisLocks abandoning = connect(proxy.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisLocks other = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    proxy.hold(TcpProxy.Direction.TO_CLIENT); // its SET NX runs; the answer never reaches it
    Future<Boolean> attempt = threads.submit(() -> abandoning.mutex("ghost").tryLock(400, TimeUnit.MILLISECONDS));
    await().atMost(Duration.ofSeconds(5)).until(() -> server.admin().exists(key("ghost")) == 1);
    proxy.refuse(); // disconnected before it gives up: its clean-up cannot be sent
    assertThat(attempt.get(5, TimeUnit.SECONDS)).isFalse();
    assertThat(server.admin().exists(key("ghost"))).as("held by nobody while disconnected").isOne();
    Thread.sleep(DISCONNECT.toMillis()); // the length of the fault
    proxy.pass();

    long reconnectedAt = System.nanoTime();
    await().atMost(Duration.ofSeconds(5)).until(() -> other.inspect("ghost").isEmpty());
    System.out.printf("the abandoned key was released %d ms after the reconnect%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - reconnectedAt));
    assertThat(other.mutex("ghost").tryLock()).as("free for others long before its 30 s lease ends").isTrue();
    other.mutex("ghost").unlock();
  }

  @Test
  void aQueuedWaiterThatTimedOutWhileRedisWasUnreachableLeavesTheQueueOnceReconnected() throws Exception {
    TcpProxy proxy = proxy();
    RedisLocks holder = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisLocks waiter = connect(proxy.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisMutex held = holder.mutex("queued");
    held.lock();
    Future<Boolean> waiting = threads.submit(() -> waiter.mutex("queued").tryLock(600, TimeUnit.MILLISECONDS));
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("queued") == 1);
    proxy.refuse();
    assertThat(waiting.get(5, TimeUnit.SECONDS)).isFalse();
    Thread.sleep(DISCONNECT.toMillis()); // the length of the fault
    proxy.pass();

    await().atMost(Duration.ofSeconds(5)).until(() -> queued("queued") == 0);
    held.unlock();
    assertThat(holder.inspect("queued")).as("handed to nobody").isEmpty();
  }

  @Test
  void aReleaseSkipsTheQueueEntriesOfWaitersThatGaveUpWithoutBeingAbleToSaySo() throws Exception {
    RedisLocks holder = connect(server.uri(), Duration.ofSeconds(1));
    RedisMutex held = holder.mutex("crowded");
    held.lock();
    List<Future<Boolean>> vanishing = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      TcpProxy proxy = proxy();
      RedisLocks gone = connect(proxy.uri(), Duration.ofSeconds(1));
      vanishing.add(threads.submit(() -> gone.mutex("crowded").tryLock(300, TimeUnit.MILLISECONDS)));
      long before = i;
      await().atMost(Duration.ofSeconds(5)).until(() -> queued("crowded") > before);
      proxy.refuse(); // and never comes back: its clean-up stays unsent
    }
    RedisLocks live = connect(server.uri(), Duration.ofSeconds(1));
    AtomicReference<Long> acquiredAt = new AtomicReference<>();
    Future<?> waiting = threads.submit(() -> {
      RedisMutex lock = live.mutex("crowded");
      lock.lock();
      acquiredAt.set(System.nanoTime());
      lock.unlock();
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("crowded") == 5); // behind the four
    for (Future<Boolean> gaveUp : vanishing) {
      assertThat(gaveUp.get(5, TimeUnit.SECONDS)).isFalse();
    }
    awaitStaleTickets("crowded", 4); // the live waiter's attempts keep the queue itself alive meanwhile

    long releasedAt = System.nanoTime();
    held.unlock();
    waiting.get(30, TimeUnit.SECONDS);
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get() - releasedAt);
    System.out.printf("with 4 stale entries ahead of it, the live waiter acquired %d ms after the release%n",
        waitedMillis);
    assertThat(waitedMillis).as("not after a short grant lease per stale entry").isLessThan(500);
    assertThat(queued("crowded")).isZero();
  }

  /**
   * Waits until the server's clock has passed the freshness of {@code count} queue entries of {@code name}: the
   * moment by which each of their waiters said it would attempt again.
   */
  private void awaitStaleTickets(String name, int count) {
    await().atMost(Duration.ofSeconds(10)).until(() -> {
      long nowMillis = Long.parseLong(server.admin().time().get(0)) * 1000;
      return server.admin().hvals(LockKeys.ticketsKey(key(name))).stream()
          .filter(ticket -> Long.parseLong(ticket.split(" ")[1]) < nowMillis).count() == count;
    });
  }

  @Test
  void closeTakesItsWaitersOutOfTheQueue() throws Exception {
    RedisLocks holder = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisLocks closing = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisMutex held = holder.mutex("closing");
    held.lock();
    Future<?> waiting = threads.submit(() -> closing.mutex("closing").lock());
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("closing") == 1);
    closing.close();
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThat(queued("closing")).as("left the queue before close() returned").isZero();
    held.unlock();
    assertThat(holder.inspect("closing")).as("handed to nobody").isEmpty();
  }

  @Test
  void aWaiterRenamedWhileItWaitsStillLeavesTheQueueWhenItGivesUp() throws Exception {
    RedisLocks holder = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisLocks waiter = connect(server.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    RedisMutex held = holder.mutex("renamed");
    held.lock();
    AtomicReference<Thread> waitingThread = new AtomicReference<>();
    Future<Boolean> waiting = threads.submit(() -> {
      waitingThread.set(Thread.currentThread());
      return waiter.mutex("renamed").tryLock(1_500, TimeUnit.MILLISECONDS);
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("renamed") == 1);
    waitingThread.get().setName("renamed-while-waiting");
    assertThat(waiting.get(5, TimeUnit.SECONDS)).isFalse();
    await().atMost(Duration.ofSeconds(5)).until(() -> queued("renamed") == 0);
    held.unlock();
    assertThat(holder.inspect("renamed")).as("handed to nobody").isEmpty();
  }

  /**
   * The first attempt finds another instance's give-way marker, which acquire.lua would take over; but its answer
   * comes after the call gave up (and sent its clean-up): the second command is never sent, so no key is set after
   * the clean-up ran, for a lease nobody would release.
   */
  @Test
  void aFirstAttemptAnsweredAfterTheCallGaveUpSendsNoSecondCommand() throws Exception {
    TcpProxy proxy = proxy();
    RedisLocks late = connect(proxy.uri(), RedisLocks.DEFAULT_LEASE_TIME);
    String key = key("given way");
    server.admin().set(key, "yield another-instance", io.lettuce.core.SetArgs.Builder.px(2_000));
    proxy.hold(TcpProxy.Direction.TO_CLIENT); // the SET NX GET runs; its answer (the marker) comes late
    assertThat(late.mutex("given way").tryLock(0, TimeUnit.MILLISECONDS)).isFalse();
    proxy.pass();
    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3)).until(() -> {
      String value = server.admin().get(key);
      return value == null || value.startsWith("yield ");
    });
  }
}
