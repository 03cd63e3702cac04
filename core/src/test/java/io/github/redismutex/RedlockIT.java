package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Servers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redlock over five independent redis-server processes (no persistence): a majority decides, so the lock survives
 * the loss of two servers, refuses to be granted without a majority, and keeps its fencing tokens growing while
 * servers restart empty. Each test has its own five servers.
 */
@ExtendWith(RedisExtension.class)
class RedlockIT {
  private static final Duration LEASE = Duration.ofSeconds(1);

  private List<RedisServer> servers;
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void start(@Servers(5) List<RedisServer> servers) {
    this.servers = servers;
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks connect() {
    return connect(LEASE);
  }

  private RedisLocks connect(Duration lease) {
    RedisLocks locks = RedisLocks.builder()
        .redlock(servers.stream().map(RedisServer::uri).toArray(String[]::new))
        .leaseTime(lease)
        .commandTimeout(Duration.ofMillis(500))
        .build();
    opened.add(locks);
    return locks;
  }

  /** How many servers hold the lock's key now (of those running). */
  private long serversHolding(RedisLocks locks, String name) {
    return servers.stream().filter(RedisServer::isRunning)
        .filter(server -> server.admin().exists(locks.keyOf(name)) == 1).count();
  }

  @Test
  void holdersOfTwoInstancesNeverOverlapAndEachHoldIsOnAMajority() throws Exception {
    RedisLocks one = connect();
    RedisLocks other = connect();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicInteger minority = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    for (RedisLocks locks : List.of(one, other)) {
      for (int t = 0; t < 3; t++) {
        done.add(threads.submit(() -> {
          RedisMutex lock = locks.mutex("shared");
          for (int i = 0; i < 40; i++) {
            lock.lock();
            try {
              if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
              }
              if (i % 10 == 0 && serversHolding(locks, "shared") < 3) {
                minority.incrementAndGet();
              }
              inside.decrementAndGet();
            } finally {
              lock.unlock();
            }
          }
          return null;
        }));
      }
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    assertThat(overlaps).hasValue(0);
    assertThat(minority).hasValue(0);
  }

  @Test
  void aHeldLockSurvivesTheLossOfTwoOfFiveServers() throws Exception {
    RedisLocks holder = connect();
    RedisLocks other = connect();
    RedisMutex lock = holder.mutex("survivor");
    lock.lock();
    servers.get(0).kill();
    servers.get(1).kill();
    Thread.sleep(LEASE.toMillis() * 3); // the holder's work, three leases: only renewals on the other three keep it
    assertThat(lock.isLeaseValid()).isTrue();
    assertThat(serversHolding(holder, "survivor")).isEqualTo(3);
    assertThat(threads.submit(() -> other.mutex("survivor").tryLock(200, TimeUnit.MILLISECONDS)).get())
        .isFalse();
    lock.unlock(); // no LeaseExpiredException: the majority still held it
    assertThat(threads.submit(() -> {
      RedisMutex theirs = other.mutex("survivor");
      boolean acquired = theirs.tryLock(5, TimeUnit.SECONDS);
      theirs.unlock();
      return acquired;
    }).get()).isTrue();
  }

  @Test
  void withThreeOfFiveDownNobodyAcquiresUntilTheyReturn() throws Exception {
    RedisLocks locks = connect();
    for (int i = 0; i < 3; i++) {
      servers.get(i).kill();
    }
    RedisMutex lock = locks.mutex("no majority");
    long startedAt = System.nanoTime();
    assertThat(lock.tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(System.nanoTime() - startedAt).as("returns at its deadline").isLessThan(TimeUnit.SECONDS.toNanos(2));
    assertThat(servers.subList(3, 5)).allSatisfy(server -> assertThat(server.admin().keys("*")).isEmpty());
    Future<Boolean> waiting = threads.submit(() -> {
      lock.lock();
      lock.unlock();
      return true;
    });
    await("lock() waits while no majority is up").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> !waiting.isDone());
    servers.get(0).start();
    assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void serversRestartedEmptyDoNotLetASecondHolderInWhileAMajorityStillAgrees() throws Exception {
    RedisLocks holder = connect();
    RedisLocks other = connect();
    RedisMutex lock = holder.mutex("restarted");
    lock.lock();
    for (int i = 0; i < 2; i++) { // without persistence: they come back without the key
      servers.get(i).kill();
      servers.get(i).start();
    }
    assertThat(threads.submit(() -> other.mutex("restarted").tryLock(500, TimeUnit.MILLISECONDS)).get())
        .as("two free servers are no majority").isFalse();
    assertThat(lock.isLeaseValid()).isTrue();
    lock.unlock();
  }

  @Test
  void fencingTokensKeepGrowingWhileServersRestartEmptyOneAtATime() throws Exception {
    RedisLocks locks = connect();
    RedisMutex lock = locks.mutex("fenced");
    long previous = 0;
    for (int round = 0; round < 6; round++) {
      lock.lock();
      long token = lock.fencingToken();
      lock.unlock();
      assertThat(token).isGreaterThan(previous);
      previous = token;
      RedisServer restarted = servers.get(round % 5); // its counter starts again from nothing
      restarted.kill();
      restarted.start();
      // back, and reconnected, before the next one fails: a minority at a time
      await().atMost(Duration.ofSeconds(10)).until(() -> restarted.admin().clientList().lines()
          .filter(line -> !line.isBlank()).count() > 1); // the library's connection besides the test's own
    }
  }

  @Test
  void aDrawRaisesEveryServersCounterToTheTokenItHandsOut() throws Exception {
    RedisLocks locks = connect();
    RedisMutex lock = locks.mutex("outvoted");
    String fence = LockKeys.fenceKey(locks.keyOf("outvoted"));
    servers.get(0).admin().set(fence, "1000"); // one server far ahead, the others at 0
    lock.lock();
    long first = lock.fencingToken();
    lock.unlock();
    assertThat(servers).allSatisfy(server -> assertThat(Long.parseLong(server.admin().get(fence)))
        .as("raised everywhere").isGreaterThanOrEqualTo(first));
    lock.lock();
    assertThat(lock.fencingToken()).isGreaterThan(first);
    lock.unlock();
  }

  @Test
  void aWaiterSendsNoCommandWhileItWaitsAndWakesOnTheRelease() throws Exception {
    RedisLocks holder = connect(Duration.ofSeconds(30)); // no renewal while the test counts commands
    RedisLocks waiter = connect(Duration.ofSeconds(30));
    RedisMutex lock = holder.mutex("awaited");
    lock.lock();
    Future<Long> acquiredAt = threads.submit(() -> {
      RedisMutex theirs = waiter.mutex("awaited");
      theirs.lock();
      long now = System.nanoTime();
      theirs.unlock();
      return now;
    });
    // past the waiter's marking attempt: the waiters key is on a majority
    String waitersKey = LockKeys.waitersKey(holder.keyOf("awaited"));
    await().until(() -> servers.stream().filter(server -> server.admin().exists(waitersKey) == 1).count() >= 3);
    List<Map<String, Long>> before = servers.stream().map(RedisServer::commandCalls).toList();
    await("no command while the waiter waits").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> servers.stream().map(RedisServer::commandCalls).toList().equals(before));
    long releasedAt = System.nanoTime();
    lock.unlock();
    long handOverMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - releasedAt);
    System.out.println("redlock hand-over over 5 servers: " + handOverMillis + " ms");
    assertThat(handOverMillis).as("woken by the release, not by the lease running out").isLessThan(1_000);
  }

  @Test
  void conditionsAreNotSupported() {
    RedisMutex lock = connect().mutex("conditions");
    assertThatThrownBy(lock::newCondition).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> lock.newCondition("named")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void readWriteLocksAreRefusedSayingWhy() {
    RedisLocks locks = connect();
    assertThatThrownBy(() -> locks.readWriteLock("shared")).isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("not supported in Redlock mode").hasMessageContaining("majority");
  }
}
