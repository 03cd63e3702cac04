package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.SentinelDeployment;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** redis-sentinel:// URIs: the library follows a failover, and no waiter hangs. */
@ExtendWith(RedisExtension.class)
class SentinelIT {
  private final String prefix = "sentinel-" + UUID.randomUUID() + ":";

  @Test
  void waitersProceedAndNewAcquisitionsWorkAfterThePrimaryIsKilledAndTheReplicaPromoted(
      SentinelDeployment deployment) throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    // A lease shorter than the sentinels' down-after (1 s) plus the failover: over before the promotion.
    try (RedisLocks holder = RedisLocks.builder().uri(deployment.uri()).keyPrefix(prefix)
            .leaseTime(Duration.ofMillis(900)).build();
        RedisLocks waiter = RedisLocks.builder().uri(deployment.uri()).keyPrefix(prefix)
            .leaseTime(Duration.ofSeconds(2)).build()) {
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<Throwable> unlockOutcome = new CompletableFuture<>();
      threads.submit(() -> {
        RedisMutex lock = holder.mutex("failover");
        lock.lock();
        held.countDown();
        release.await();
        try {
          lock.unlock();
          unlockOutcome.complete(null);
        } catch (Throwable t) {
          unlockOutcome.complete(t);
        }
        return null;
      });
      held.await();
      await().atMost(Duration.ofSeconds(10))
          .until(() -> deployment.replica().admin().exists(holder.keyOf("failover")) == 1);
      Future<Boolean> waiting = threads.submit(() -> {
        RedisMutex lock = waiter.mutex("failover");
        lock.lock();
        boolean held2 = lock.isHeldByCurrentThread();
        lock.unlock();
        return held2;
      });
      await().until(() -> waiter.subscribedChannelCount() > 0);

      deployment.primary().kill();
      await().atMost(Duration.ofSeconds(30)).until(() -> "master".equals(role(deployment)));
      release.countDown();

      assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
      Throwable unlocked = unlockOutcome.get(30, TimeUnit.SECONDS);
      // Its renewals failed during the failover: by now its lease is over, and unlock says so, whether it found
      // the replicated key gone or could not reach Redis at all.
      assertThat(unlocked).isInstanceOf(LeaseExpiredException.class);
      RedisMutex fresh = holder.mutex("after failover");
      assertThat(fresh.tryLock(10, TimeUnit.SECONDS)).isTrue();
      fresh.unlock();
    } finally {
      threads.shutdownNow();
    }
  }

  private static String role(SentinelDeployment deployment) {
    try {
      String info = deployment.replica().admin().info("replication");
      return info.contains("role:master") ? "master" : "replica";
    } catch (RuntimeException e) {
      return "unknown";
    }
  }
}
