package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.SetArgs;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Micrometer meters of {@link RedisLocksBuilder#meterRegistry}, counted against a {@link SimpleMeterRegistry}
 * while real locks are taken, waited for, handed over, renewed and lost.
 */
@ExtendWith(RedisExtension.class)
class MetricsIT {
  private final RedisServer redis;
  private final String prefix = "metrics-" + UUID.randomUUID() + ":";
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  MetricsIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks metered(Duration lease) {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).leaseTime(lease)
        .meterRegistry(meters).build();
    opened.add(locks);
    return locks;
  }

  private RedisLocks unmetered() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    opened.add(locks);
    return locks;
  }

  private double count(String name, String... tags) {
    var search = meters.find(name).tags(tags);
    return search.counter() != null ? search.counter().count() : 0;
  }

  @Test
  void acquisitionsAreCountedByOutcomeAndReEntriesAreNot() throws Exception {
    RedisLocks locks = metered(RedisLocks.DEFAULT_LEASE_TIME);
    RedisMutex lock = locks.mutex("outcomes");
    for (int i = 0; i < 3; i++) {
      lock.lock();
      lock.lock(); // a re-entry
      lock.unlock();
      lock.unlock();
    }
    RedisMutex held = unmetered().mutex("outcomes");
    threads.submit(held::lock).get(5, TimeUnit.SECONDS);
    assertThat(lock.tryLock(50, TimeUnit.MILLISECONDS)).isFalse();
    Thread.currentThread().interrupt();
    assertThatThrownBy(lock::lockInterruptibly).isInstanceOf(InterruptedException.class);
    redis.admin().hset(locks.keyOf("not a lock"), Map.of("field", "value"));
    assertThatThrownBy(() -> locks.mutex("not a lock").tryLock()).isInstanceOf(IllegalStateException.class);

    assertThat(count("redis.mutex.acquisitions", "lock", "outcomes", "outcome", "acquired")).isEqualTo(3);
    assertThat(count("redis.mutex.acquisitions", "lock", "outcomes", "outcome", "timed_out")).isEqualTo(1);
    assertThat(count("redis.mutex.acquisitions", "lock", "not a lock", "outcome", "failed")).isEqualTo(1);
    // an interrupt before the call ends it before it begins, as with ReentrantLock: not an acquisition
    assertThat(meters.find("redis.mutex.wait").tag("lock", "outcomes").timer().count()).isEqualTo(4);
    assertThat(meters.find("redis.mutex.hold").tag("lock", "outcomes").timer().count()).isEqualTo(3);
  }

  @Test
  void anInterruptWhileWaitingIsCountedAsInterrupted() throws Exception {
    RedisLocks locks = metered(RedisLocks.DEFAULT_LEASE_TIME);
    unmetered().mutex("interrupted").lock();
    Thread waiter = new Thread(() -> {
      try {
        locks.mutex("interrupted").lockInterruptibly();
      } catch (InterruptedException expected) {
        // the outcome under test
      }
    });
    waiter.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> meters.get("redis.mutex.waiters").gauge().value() == 1);
    waiter.interrupt();
    waiter.join(5_000);
    assertThat(count("redis.mutex.acquisitions", "lock", "interrupted", "outcome", "interrupted")).isEqualTo(1);
    assertThat(meters.get("redis.mutex.waiters").gauge().value()).isZero();
  }

  @Test
  void handOversAreCountedByKindAndWakeUpsByCause() throws Exception {
    RedisLocks locks = metered(RedisLocks.DEFAULT_LEASE_TIME);
    // direct: granted by the release of another instance, heard as a message
    RedisMutex other = unmetered().mutex("direct");
    other.lock();
    Future<?> direct = threads.submit(() -> {
      RedisMutex lock = locks.mutex("direct");
      lock.lock();
      lock.unlock();
    });
    await().atMost(Duration.ofSeconds(5))
        .until(() -> redis.admin().zcard(LockKeys.queueKey(locks.keyOf("direct"))) == 1);
    other.unlock();
    direct.get(5, TimeUnit.SECONDS);
    assertThat(count("redis.mutex.handovers", "lock", "direct", "kind", "direct")).isEqualTo(1);
    assertThat(count("redis.mutex.wakeups", "cause", "notification")).isPositive();

    // redis: a holder that vanished without a release; its key expires and the re-check takes it
    redis.admin().set(locks.keyOf("expired"), "someone-else 0 0 1 host thread", SetArgs.Builder.px(300));
    RedisMutex expired = locks.mutex("expired");
    expired.lock();
    expired.unlock();
    assertThat(count("redis.mutex.handovers", "lock", "expired", "kind", "redis")).isEqualTo(1);
    assertThat(count("redis.mutex.wakeups", "cause", "recheck")).isPositive();

    // local: from a thread of the same instance, without Redis
    RedisMutex shared = locks.mutex("local");
    shared.lock();
    CountDownLatch queued = new CountDownLatch(1);
    Future<?> local = threads.submit(() -> {
      queued.countDown();
      shared.lock();
      shared.unlock();
    });
    queued.await();
    await().atMost(Duration.ofSeconds(5)).until(() -> meters.get("redis.mutex.waiters").gauge().value() == 1);
    shared.unlock();
    local.get(5, TimeUnit.SECONDS);
    assertThat(count("redis.mutex.handovers", "lock", "local", "kind", "local")).isEqualTo(1);
  }

  @Test
  void renewedAndLostLeasesAreCounted() {
    RedisLocks locks = metered(Duration.ofMillis(300));
    RedisMutex lock = locks.mutex("renewed");
    lock.lock();
    await().atMost(Duration.ofSeconds(5)).until(() -> count("redis.mutex.leases.renewed") >= 3);
    redis.admin().del(locks.keyOf("renewed")); // behind the holder's back
    await().atMost(Duration.ofSeconds(5)).until(() -> count("redis.mutex.leases.lost", "lock", "renewed") == 1);
    assertThatThrownBy(lock::unlock).isInstanceOf(LeaseExpiredException.class);
  }

  @Test
  void redisErrorsAreCountedByOperation(@Dedicated RedisServer dedicated) throws Exception {
    RedisLocks locks = RedisLocks.builder().uri(dedicated.uri()).keyPrefix(prefix).meterRegistry(meters).build();
    opened.add(locks);
    dedicated.kill();
    assertThat(locks.mutex("unreachable").tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(count("redis.mutex.redis.errors", "operation", "acquire")).isPositive();
  }

  @Test
  void lockTagsStopAtAHundredNamesAndTheRestShareOne() {
    RedisLocks locks = metered(RedisLocks.DEFAULT_LEASE_TIME);
    for (int i = 0; i < MicrometerLockMetrics.MAX_LOCK_NAMES + 5; i++) {
      RedisMutex lock = locks.mutex("name-" + i);
      lock.lock();
      lock.unlock();
    }
    assertThat(meters.find("redis.mutex.acquisitions").tag("outcome", "acquired").counters()).hasSize(101);
    assertThat(count("redis.mutex.acquisitions", "lock", MicrometerLockMetrics.OTHER, "outcome", "acquired"))
        .isEqualTo(5);
  }
}
