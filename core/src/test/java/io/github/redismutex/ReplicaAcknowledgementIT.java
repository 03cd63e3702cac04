package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ClusterDeployment;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.RedisServers;
import io.github.redismutex.support.SentinelDeployment;
import io.lettuce.core.RedisException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code replicaAcknowledgements}: a hold counts only once replicas have it, so a failover right after an
 * acquisition keeps the lock; without replicas confirming, nothing is acquired and no lease is extended.
 */
@ExtendWith(RedisExtension.class)
class ReplicaAcknowledgementIT {
  private static final Duration LONG_LEASE = Duration.ofSeconds(20); // outlasts any failover here
  private final String prefix = "acks-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();

  @AfterEach
  void stopThreads() {
    threads.shutdownNow();
  }

  @Test
  void onSentinelALockIsKeptByTheReplicaPromotedRightAfterItsAcquisition(SentinelDeployment sentinel)
      throws Exception {
    RedisServer primary = sentinel.primary();
    RedisServer replica = sentinel.replica();
    try (RedisLocks acknowledged = builder().uri(sentinel.uri()).build();
        RedisLocks other = RedisLocks.builder().uri(sentinel.uri()).keyPrefix(prefix).build()) {
      Holder holder = acquireWhileTheReplicaIsStoppedThenResume(acknowledged, replica);

      primary.kill(); // at once: a write the replica did not have yet would be lost now
      // the sentinels kill the promoted replica's client connections as they reconfigure it: looks may fail meanwhile
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> replica.admin().info("replication").contains("role:master"));

      assertThat(other.mutex("resource").tryLock(1, TimeUnit.SECONDS)).isFalse();
      holder.release();
    }
  }

  @Test
  void onAClusterALockIsKeptByTheReplicaPromotedRightAfterItsAcquisition(ClusterDeployment cluster)
      throws Exception {
    try (RedisLocks acknowledged = builder().cluster(cluster.uris()).build();
        RedisLocks other = RedisLocks.builder().cluster(cluster.uris()).keyPrefix(prefix).build()) {
      RedisServer primary = cluster.primaryOf(acknowledged.keyOf("resource"));
      RedisServer replica = cluster.replicaOf(primary);
      Holder holder = acquireWhileTheReplicaIsStoppedThenResume(acknowledged, replica);

      primary.kill();
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)) // each look is a cluster client
          .until(() -> cluster.primaryOf(acknowledged.keyOf("resource")) == replica);
      cluster.awaitHealthy(Duration.ofSeconds(30));

      assertThat(other.mutex("resource").tryLock(1, TimeUnit.SECONDS)).isFalse();
      holder.release();
    }
  }

  @Test
  void readWriteLocksAreRefusedSayingWhy(@Dedicated RedisServer server) {
    try (RedisLocks locks = builder().uri(server.uri()).replicaAcknowledgements(1, Duration.ofMillis(50)).build()) {
      assertThatThrownBy(() -> locks.readWriteLock("shared")).isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("not supported with replicaAcknowledgements");
    }
  }

  @Test
  void withoutReplicasToConfirmNoAcquisitionSucceedsAndTheAttemptLeavesNoKey(@Dedicated RedisServer server)
      throws Exception {
    try (RedisLocks locks = builder().uri(server.uri()).replicaAcknowledgements(1, Duration.ofMillis(50)).build()) {
      RedisMutex lock = locks.mutex("resource");

      assertThat(lock.tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
      assertThatThrownBy(lock::tryLock).isInstanceOf(RedisException.class)
          .hasMessageContaining("0 of the 1 replicas asked for acknowledged");
      await().atMost(Duration.ofSeconds(5)).until(() -> server.admin().exists(locks.keyOf("resource")) == 0);
    }
  }

  @Test
  void aConfirmationRefusedForGoodLeavesNoKeyBehind(@Dedicated RedisServer server) {
    // a user who may SET but not WAIT: the acquisition's write lands, its confirmation is refused (NOPERM)
    server.admin().aclSetuser("locker", io.lettuce.core.AclSetuserArgs.Builder.on().addPassword("pw").allKeys()
        .allChannels().allCommands().removeCommand(io.lettuce.core.protocol.CommandType.WAIT));
    try (RedisLocks locks = builder().uri("redis://locker:pw@127.0.0.1:" + server.port()).build()) {
      RedisMutex lock = locks.mutex("resource");

      assertThatThrownBy(lock::tryLock).isInstanceOf(RedisException.class);
      await().atMost(Duration.ofSeconds(5)).until(() -> server.admin().exists(locks.keyOf("resource")) == 0);
    }
  }

  @Test
  void aRenewalTheReplicasDoNotConfirmDoesNotExtendTheLease(@Dedicated RedisServer primary, RedisServers more)
      throws Exception {
    RedisServer replica = replicaOf(primary, more);
    List<String> lost = new CopyOnWriteArrayList<>();
    try (RedisLocks locks = RedisLocks.builder().uri(primary.uri()).keyPrefix(prefix)
        .leaseTime(Duration.ofSeconds(1)).replicaAcknowledgements(1, Duration.ofMillis(100))
        .onLeaseLost((name, token) -> lost.add(name)).build()) {
      RedisMutex lock = locks.mutex("resource");
      lock.lock();
      replica.signal("STOP");
      try {
        // the renewals still reach the primary, but no replica confirms them: the holder is told its lease is over
        await().atMost(Duration.ofSeconds(3)).until(() -> lost.contains("resource"));
        assertThat(lock.isLeaseValid()).isFalse();
        assertThat(primary.admin().pttl(locks.keyOf("resource"))).isPositive();
      } finally {
        replica.resume();
      }
    }
  }

  @Test
  void aDirectHandOverIsNotReliedOnUntilTheReplicasHaveIt(@Dedicated RedisServer primary, RedisServers more)
      throws Exception {
    RedisServer replica = replicaOf(primary, more);
    try (RedisLocks releasing = RedisLocks.builder().uri(primary.uri()).keyPrefix(prefix).build();
        RedisLocks waiting = builder().uri(primary.uri()).build()) {
      RedisMutex held = releasing.mutex("resource");
      held.lock();
      CountDownLatch acquired = new CountDownLatch(1);
      Future<Long> fence = threads.submit(() -> {
        RedisMutex lock = waiting.mutex("resource");
        lock.lock();
        acquired.countDown();
        long token = lock.fencingToken();
        lock.unlock();
        return token;
      });
      await().until(() -> primary.admin().exists(waiting.keyOf("resource") + ":queue") == 1);
      replica.signal("STOP");
      try {
        held.unlock(); // hands the lock to the queued waiter

        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> acquired.getCount() == 1);
      } finally {
        replica.resume();
      }
      assertThat(fence.get(10, TimeUnit.SECONDS)).isPositive();
    }
  }

  @Test
  void aFencingTokenIsNotHandedOutUntilTheReplicasHaveTheDraw(@Dedicated RedisServer primary, RedisServers more)
      throws Exception {
    RedisServer replica = replicaOf(primary, more);
    try (RedisLocks locks = builder().uri(primary.uri()).build()) {
      RedisMutex lock = locks.mutex("resource");
      lock.lock();
      replica.signal("STOP");
      try {
        assertThatThrownBy(lock::fencingToken).isInstanceOf(RedisException.class)
            .hasMessageContaining("replicas asked for acknowledged");
      } finally {
        replica.resume();
      }
      assertThat(lock.fencingToken()).isPositive(); // drawn again once they confirm: the counter only moves forward
      lock.unlock();
    }
  }

  @Test
  void badArgumentsAreRejectedWithTheirNameRuleAndValueAndChangeNothing() {
    RedisLocksBuilder builder = RedisLocks.builder();
    assertThatThrownBy(() -> builder.replicaAcknowledgements(0, Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("replicas must be from 1 to 16, was 0");
    assertThatThrownBy(() -> builder.replicaAcknowledgements(17, Duration.ofMillis(10)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("was 17");
    assertThatThrownBy(() -> builder.replicaAcknowledgements(1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
    assertThatThrownBy(() -> builder.replicaAcknowledgements(1, null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    // nothing was set by the refused calls: this builder still fails only for want of a target
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class).hasMessageContaining("exactly one");
  }

  @Test
  void aTimeoutOverATenthOfTheLeaseAndRedlockAreRefusedAtBuild() {
    assertThatThrownBy(() -> RedisLocks.builder().uri("redis://127.0.0.1:1").leaseTime(Duration.ofSeconds(1))
        .replicaAcknowledgements(1, Duration.ofMillis(101)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the replicaAcknowledgements timeout must be at most a tenth of the lease time (1000 ms), was"
            + " 101 ms");
    assertThatThrownBy(() -> RedisLocks.builder()
        .redlock("redis://127.0.0.1:1", "redis://127.0.0.1:2", "redis://127.0.0.1:3")
        .replicaAcknowledgements(1, Duration.ofMillis(10)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("cannot be combined with redlock");
  }

  private static RedisServer replicaOf(RedisServer primary, RedisServers more) {
    RedisServer replica = more.start("--replicaof", "127.0.0.1", String.valueOf(primary.port()));
    await().atMost(Duration.ofSeconds(10))
        .until(() -> replica.admin().info("replication").contains("master_link_status:up"));
    return replica;
  }

  private RedisLocksBuilder builder() {
    return RedisLocks.builder().keyPrefix(prefix).leaseTime(LONG_LEASE)
        .replicaAcknowledgements(1, Duration.ofMillis(200));
  }

  /**
   * Stops the replica, asks for the lock, shows that it is not acquired while the replica cannot confirm, resumes
   * the replica and returns once the lock is held.
   */
  private Holder acquireWhileTheReplicaIsStoppedThenResume(RedisLocks locks, RedisServer replica) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    replica.signal("STOP");
    Future<Boolean> held;
    try {
      RedisMutex lock = locks.mutex("resource");
      CountDownLatch acquired = new CountDownLatch(1);
      held = threads.submit(() -> {
        lock.lock();
        acquired.countDown();
        release.await();
        lock.unlock();
        return true;
      });
      await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> acquired.getCount() == 1);
      replica.resume();
      assertThat(acquired.await(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      replica.resume();
    }
    return new Holder(release, held);
  }

  /** The thread that holds the lock, until told to release it. */
  private record Holder(CountDownLatch latch, Future<Boolean> held) {
    void release() throws Exception {
      latch.countDown();
      held.get(10, TimeUnit.SECONDS); // unlock may report the lease lost in the failover; it must not hang
    }
  }
}
