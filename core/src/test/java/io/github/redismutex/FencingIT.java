package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.LockClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Fencing tokens: one per acquisition, strictly increasing per name, across clients, processes, expiry, restarts. */
@ExtendWith(RedisExtension.class)
class FencingIT {
  private final RedisServer redis;
  private final String prefix = "fencing-" + UUID.randomUUID() + ":";

  FencingIT(RedisServer redis) {
    this.redis = redis;
  }

  private RedisLocks node(String uri) {
    return RedisLocks.builder().uri(uri).keyPrefix(prefix).build();
  }

  @Test
  void tokensStrictlyIncreaseOverThousandsOfAcquisitionsFromSeveralClientsAndTwoProcesses() throws Exception {
    String listKey = prefix + "tokens";
    try (RedisLocks first = node(redis.uri());
        RedisLocks second = node(redis.uri());
        ChildJvm other = ChildJvm.start(LockClientMain.class, "fence", redis.uri(), prefix, "counter", listKey,
            "2", "500")) {
      CompletableFuture<Void> here = CompletableFuture.allOf(
          CompletableFuture.runAsync(() -> append(first, listKey, 250)),
          CompletableFuture.runAsync(() -> append(second, listKey, 250)));
      here.get(2, TimeUnit.MINUTES);
      other.awaitLine("DONE", 2, TimeUnit.MINUTES);
    }
    List<Long> tokens = redis.admin().lrange(listKey, 0, -1).stream().map(Long::parseLong).toList();
    assertThat(tokens).hasSize(2_000);
    assertThat(tokens).as("in the order the critical sections ran").isSorted().doesNotHaveDuplicates();
  }

  @Test
  void reentriesKeepTheOuterAcquisitionsToken() {
    try (RedisLocks locks = node(redis.uri())) {
      RedisMutex lock = locks.mutex("reentered");
      lock.lock();
      long token = lock.fencingToken();
      lock.lock();
      assertThat(lock.fencingToken()).isEqualTo(token);
      lock.unlock();
      lock.unlock();
      lock.lock();
      assertThat(lock.fencingToken()).as("a new outer acquisition").isGreaterThan(token);
      lock.unlock();
    }
  }

  @Test
  void fencingTokenOfALockNotHeldThrows() {
    try (RedisLocks locks = node(redis.uri())) {
      assertThatThrownBy(() -> locks.mutex("not held").fencingToken())
          .isInstanceOf(IllegalMonitorStateException.class)
          .hasMessageContaining("'not held'");
    }
  }

  @Test
  void tokensKeepIncreasingAfterTheLockKeyExpired() {
    long before;
    try (RedisLocks crashed = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix)
        .leaseTime(Duration.ofMillis(200)).build()) {
      crashed.mutex("expiring").lock();
      before = crashed.mutex("expiring").fencingToken();
    } // closing stops renewal: the key expires as if the process had died
    try (RedisLocks next = node(redis.uri())) {
      await().atMost(Duration.ofSeconds(5)).until(() -> redis.admin().exists(next.keyOf("expiring")) == 0);
      RedisMutex lock = next.mutex("expiring");
      lock.lock();
      assertThat(lock.fencingToken()).isGreaterThan(before);
      lock.unlock();
    }
  }

  @Test
  void tokensKeepIncreasingAcrossARestartOfRedisWithAofPersistence(
      @Dedicated(args = {"--appendonly", "yes", "--appendfsync", "always"}) RedisServer server) {
    long before = acquireOnceAndGetToken(server);
    server.stop(); // SIGTERM: the AOF is flushed
    server.start();
    assertThat(acquireOnceAndGetToken(server)).isGreaterThan(before);
  }

  @Test
  void withoutPersistenceARestartStartsTokensOverAsTheReadmeWarns(@Dedicated RedisServer server) {
    acquireOnceAndGetToken(server);
    long before = acquireOnceAndGetToken(server);
    server.stop();
    server.start();
    assertThat(acquireOnceAndGetToken(server)).isLessThan(before);
  }

  private long acquireOnceAndGetToken(RedisServer server) {
    try (RedisLocks locks = node(server.uri())) {
      RedisMutex lock = locks.mutex("persisted");
      lock.lock();
      try {
        return lock.fencingToken();
      } finally {
        lock.unlock();
      }
    }
  }

  private void append(RedisLocks locks, String listKey, int count) {
    try {
      LockClientMain.appendFencingTokens(locks, redis.uri(), "counter", listKey, 2, count);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
