package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.LockClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The blog post's bank account: deposits are a non-atomic GET, add, SET of a balance in Redis, so any two
 * critical sections that overlap lose money. Zero lost over thousands of deposits shows mutual exclusion.
 */
@ExtendWith(RedisExtension.class)
class MutualExclusionIT {
  private final RedisServer redis;
  private final String prefix = "bank-" + UUID.randomUUID() + ":";
  private final String balanceKey = prefix + "balance";

  MutualExclusionIT(RedisServer redis) {
    this.redis = redis;
  }

  @Test
  void depositsFromTwoRedisLocksInOneJvmAreNeverLost() throws Exception {
    try (RedisLocks alice = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
        RedisLocks bob = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      CompletableFuture<Void> aliceDeposits = CompletableFuture.runAsync(() -> deposit(alice, 3, 400));
      CompletableFuture<Void> bobDeposits = CompletableFuture.runAsync(() -> deposit(bob, 3, 400));
      CompletableFuture.allOf(aliceDeposits, bobDeposits).get(2, TimeUnit.MINUTES);
    }
    assertThat(redis.admin().get(balanceKey)).isEqualTo("2400");
  }

  @Test
  void depositsFromTwoProcessesAreNeverLost() throws Exception {
    try (RedisLocks here = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
        ChildJvm there = ChildJvm.start(LockClientMain.class, "deposit", redis.uri(), prefix, "account",
            balanceKey, "4", "500")) {
      deposit(here, 4, 500);
      there.awaitLine("DONE", 2, TimeUnit.MINUTES);
      assertThat(there.waitForExit(30, TimeUnit.SECONDS)).isZero();
    }
    assertThat(redis.admin().get(balanceKey)).isEqualTo("4000");
  }

  private void deposit(RedisLocks locks, int threads, int count) {
    try {
      LockClientMain.deposit(locks, redis.uri(), "account", balanceKey, threads, count);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
