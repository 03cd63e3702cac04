package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Clients;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** close(): threads and connections gone, waiters told, borrowed clients left open. */
@ExtendWith(RedisExtension.class)
class CloseIT {
  private final RedisServer redis;
  private final String prefix = "close-" + UUID.randomUUID() + ":";

  CloseIT(RedisServer redis) {
    this.redis = redis;
  }

  private static Set<Thread> liveThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
  }

  @Test
  void closeStopsEveryThreadItStartedAndIsIdempotent() {
    Set<Thread> before = liveThreads();
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    locks.mutex("busy").lock();
    Set<Thread> started = liveThreads();
    started.removeAll(before);
    started.removeIf(thread -> !thread.getName().startsWith("redis-mutex-")); // others' threads come and go too
    assertThat(started).extracting(Thread::getName)
        .anyMatch(name -> name.matches("redis-mutex-\\d+-watchdog"))
        .anyMatch(name -> name.matches("redis-mutex-\\d+-lettuce-.*"));
    locks.close();
    locks.close();
    await().atMost(Duration.ofSeconds(10))
        .alias("threads still alive")
        .untilAsserted(() -> assertThat(started).filteredOn(Thread::isAlive).extracting(Thread::getName).isEmpty());
  }

  @Test
  void callsAfterCloseFailWithIllegalStateException() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    RedisMutex lock = locks.mutex("after");
    locks.close();
    assertThatThrownBy(lock::lock).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThatThrownBy(() -> locks.mutex("after")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void closeWakesWaitingThreadsWithAClearError() throws Exception {
    try (RedisLocks holder = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      holder.mutex("awaited").lock();
      RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
      CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
        try {
          locks.mutex("awaited").lock();
          return null;
        } catch (Throwable t) {
          return t;
        }
      });
      await().until(() -> locks.subscribedChannelCount() > 0);
      locks.close();
      assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("closed");
      holder.mutex("awaited").unlock();
    }
  }

  @Test
  void aLockHeldAtCloseIsLeftToExpireAndItsUnlockSaysWhy() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    RedisMutex lock = locks.mutex("held at close");
    lock.lock();
    locks.close();
    assertThat(redis.admin().pttl(locks.keyOf("held at close"))).as("still there, expiring").isPositive();
    assertThatThrownBy(lock::unlock).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    assertThat(lock.isHeldByCurrentThread()).isFalse();
    redis.admin().del(locks.keyOf("held at close"));
  }

  @Test
  void aBorrowedClientIsNotClosed() {
    RedisClient client = RedisClient.create(redis.uri());
    try {
      RedisLocks locks = RedisLocks.builder().client(client).keyPrefix(prefix).build();
      locks.mutex("borrowed").lock();
      locks.mutex("borrowed").unlock();
      locks.close();
      try (StatefulRedisConnection<String, String> connection = client.connect()) {
        assertThat(connection.sync().ping()).isEqualTo("PONG");
      }
    } finally {
      Clients.shutdown(client);
    }
  }
}
