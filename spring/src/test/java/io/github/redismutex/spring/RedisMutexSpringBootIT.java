package io.github.redismutex.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.github.redismutex.spring.support.RedisProcess;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.integration.support.locks.LockRegistry;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A Spring Boot application with Spring Data Redis on Lettuce and this module, nothing else configured but where
 * Redis is ({@code spring.data.redis.host/port}) and two {@code redis-mutex.*} properties.
 */
@SpringBootTest(properties = {"redis-mutex.lease-time=5s", "redis-mutex.key-prefix=boot-it:"})
@DirtiesContext
class RedisMutexSpringBootIT {
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @DynamicPropertySource
  static void redis(DynamicPropertyRegistry registry) {
    registry.add("spring.data.redis.host", () -> "127.0.0.1");
    registry.add("spring.data.redis.port", () -> RedisProcess.shared().port());
  }

  @Autowired
  ApplicationContext context;
  @Autowired
  RedisLocks locks;
  @Autowired
  LockRegistry<RedisMutex> lockRegistry; // as docs/spring.md injects it
  @Autowired
  RedisMutexLockRegistry registry;
  @Autowired
  StringRedisTemplate redis;

  @Test
  void autoConfigurationBorrowsBootsConnectionAndOffersTheRegistry() {
    assertThat(lockRegistry).isSameAs(registry);
    assertThat(context.getBeansOfType(LocksStopBeforeFactory.class)).hasSize(1);
    assertThat(context.getBeansOfType(OwnedRedisClient.class)).isEmpty();
  }

  @Test
  void keyPrefixAndLeaseTimeShowInTheLockKey() {
    RedisMutex lock = locks.mutex("orders:42");
    lock.lock();
    try {
      String key = "boot-it:{orders:42}";
      assertThat(redis.hasKey(key)).isTrue();
      assertThat(redis.getExpire(key, TimeUnit.MILLISECONDS)).isBetween(1L, 5_000L);
    } finally {
      lock.unlock();
    }
    assertThat(redis.hasKey("boot-it:{orders:42}")).isFalse();
  }

  @Test
  void keyspaceNotificationsAreLeftAsTheServerHasThemByDefault() {
    try (RedisConnection connection = redis.getRequiredConnectionFactory().getConnection()) {
      assertThat(connection.serverCommands().getConfig("notify-keyspace-events"))
          .containsEntry("notify-keyspace-events", "");
    }
  }

  @Test
  void executeLockedRunsTheTaskHoldingTheLock() throws Exception {
    boolean[] heldByTask = new boolean[1];
    boolean[] takenForOthers = new boolean[1];
    registry.executeLocked("execute-locked", () -> {
      heldByTask[0] = registry.obtain("execute-locked").isHeldByCurrentThread();
      takenForOthers[0] = isTakenForOtherThreads("execute-locked");
    });
    assertThat(heldByTask[0]).isTrue();
    assertThat(takenForOthers[0]).isTrue();
    assertThat(locks.inspect("execute-locked")).isEmpty();
    assertThat(registry.executeLocked("execute-locked", () -> "result")).isEqualTo("result");
  }

  @Test
  void executeLockedWithAWaitTimesOutWhileAnotherThreadHoldsTheLock() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
      RedisMutex lock = locks.mutex("execute-locked-wait");
      lock.lock();
      try {
        held.countDown();
        await(release);
      } finally {
        lock.unlock();
      }
    });
    await(held);
    try {
      assertThatThrownBy(() -> registry.executeLocked("execute-locked-wait", Duration.ofMillis(100), () -> { }))
          .isInstanceOf(TimeoutException.class).hasMessageContaining("execute-locked-wait");
    } finally {
      release.countDown();
      holder.get(10, TimeUnit.SECONDS);
    }
    assertThat(registry.executeLocked("execute-locked-wait", Duration.ofSeconds(5), () -> 7)).isEqualTo(7);
  }

  /** Whether a thread other than the caller finds the lock taken (its tryLock fails). */
  private boolean isTakenForOtherThreads(String name) {
    return CompletableFuture.supplyAsync(() -> {
      RedisMutex other = locks.mutex(name);
      boolean acquired = other.tryLock();
      if (acquired) {
        other.unlock();
      }
      return !acquired;
    }).join();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("latch not reached within 10 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
