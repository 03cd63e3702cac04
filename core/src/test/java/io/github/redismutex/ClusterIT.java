package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ClusterDeployment;
import io.github.redismutex.support.LockOwner;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Redis Cluster: six real nodes; locks spread over all slots; a primary killed while locks are held and awaited. */
@ExtendWith(RedisExtension.class)
class ClusterIT {
  private final ClusterDeployment cluster; // one for the class: a constructor parameter
  private final String prefix = "cluster-" + UUID.randomUUID() + ":";

  ClusterIT(ClusterDeployment cluster) {
    this.cluster = cluster;
  }

  private RedisLocks node(Duration lease) {
    return RedisLocks.builder().cluster(cluster.uris()).keyPrefix(prefix).leaseTime(lease).build();
  }

  @Test
  void locksOnNamesAcrossAllSlotsExcludeEachOtherAndStayRenewedAcrossNodes() throws Exception {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      names.add("account:" + i + (i % 3 == 0 ? "{with braces}" : ""));
    }
    try (RedisLocks holder = node(Duration.ofMillis(600)); RedisLocks other = node(Duration.ofMillis(600))) {
      assertThat(holder.wakeupMode()).isEqualTo(WakeupMode.CHANNEL);
      names.forEach(name -> holder.mutex(name).lock());
      Thread.sleep(1_800); // the holder's work, three leases: only renewals, batched per slot across nodes, keep them
      for (String name : names) {
        assertThat(other.mutex(name).tryLock()).as(name).isFalse();
      }
      names.forEach(name -> holder.mutex(name).unlock()); // throws LeaseExpiredException had any lease lapsed
      for (String name : names) {
        assertThat(other.mutex(name).tryLock()).as(name).isTrue();
        other.mutex(name).unlock();
      }
    }
  }

  @Test
  void aWaiterListensOnTheNodeThatHoldsTheKeySoItsWakeUpNeedNotCrossTheClusterBus() throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    try (RedisLocks holder = node(RedisLocks.DEFAULT_LEASE_TIME);
        RedisLocks waiter = node(RedisLocks.DEFAULT_LEASE_TIME)) {
      List<String> names = new ArrayList<>();
      for (int i = 0; names.size() < 9; i++) { // three names on each of the three primaries
        String name = "nodes:" + i;
        RedisServer primary = cluster.primaryOf(holder.keyOf(name));
        if (names.stream().filter(n -> cluster.primaryOf(holder.keyOf(n)) == primary).count() < 3) {
          names.add(name);
        }
      }
      names.forEach(name -> holder.mutex(name).lock());
      List<Future<?>> waiting = new ArrayList<>();
      for (String name : names) {
        waiting.add(threads.submit(() -> {
          waiter.mutex(name).lock();
          waiter.mutex(name).unlock();
        }));
      }
      for (String name : names) {
        String channel = LockKeys.releaseChannel(waiter.keyOf(name));
        RedisServer primary = cluster.primaryOf(waiter.keyOf(name));
        await(name).atMost(Duration.ofSeconds(10))
            .until(() -> primary.admin().pubsubNumsub(channel).get(channel) == 1L);
      }
      names.forEach(name -> holder.mutex(name).unlock());
      for (Future<?> each : waiting) {
        each.get(10, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void aWaiterIsWokenByAReleaseOnAnotherNodeWithinMilliseconds() throws Exception {
    try (RedisLocks holder = node(RedisLocks.DEFAULT_LEASE_TIME);
        RedisLocks waiter = node(RedisLocks.DEFAULT_LEASE_TIME)) {
      RedisMutex held = holder.mutex("handover");
      held.lock();
      CompletableFuture<Long> acquiredAt = CompletableFuture.supplyAsync(() -> {
        waiter.mutex("handover").lock();
        long at = System.nanoTime();
        waiter.mutex("handover").unlock();
        return at;
      });
      String queue = LockKeys.queueKey(waiter.keyOf("handover"));
      // past the waiter's attempt, which queued it: only the release's PUBLISH can wake it now
      RedisServer node = cluster.primaryOf(queue);
      await().until(() -> node.admin().zcard(queue) == 1);
      long releasedAt = System.nanoTime();
      held.unlock();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(10, TimeUnit.SECONDS) - releasedAt);
      System.out.printf("cluster hand-over: %d ms%n", tookMillis);
      assertThat(tookMillis).as("a 30 s lease: only the release's PUBLISH can have woken it").isLessThan(1000);
    }
  }

  @Test
  void conditionsWorkAcrossNodesOfTheCluster() throws Exception {
    try (RedisLocks signaller = node(RedisLocks.DEFAULT_LEASE_TIME);
        RedisLocks waiterNode = node(RedisLocks.DEFAULT_LEASE_TIME)) {
      CompletableFuture<Integer> holdsAfter = CompletableFuture.supplyAsync(() -> {
        RedisMutex lock = waiterNode.mutex("ready {gate}");
        lock.lock();
        try {
          lock.newCondition("go").await();
          return lock.getHoldCount();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        } finally {
          lock.unlock();
        }
      });
      RedisMutex lock = signaller.mutex("ready {gate}");
      await().atMost(Duration.ofSeconds(10)).until(() -> {
        if (!lock.tryLock()) {
          return false; // the waiter has not released it by awaiting yet
        }
        lock.newCondition("go").signal();
        lock.unlock();
        return holdsAfter.isDone() || waitedBriefly(holdsAfter);
      });
      assertThat(holdsAfter.get(10, TimeUnit.SECONDS)).isEqualTo(1);
    }
  }

  private static boolean waitedBriefly(CompletableFuture<Integer> result) {
    try {
      result.get(200, TimeUnit.MILLISECONDS);
      return true;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void afterAPrimaryIsKilledWaitersProceedAndNewAcquisitionsWork() throws Exception {
    ExecutorService threads = Executors.newCachedThreadPool();
    try (RedisLocks holder = node(Duration.ofSeconds(1)); RedisLocks waiter = node(Duration.ofSeconds(1))) {
      RedisServer primary = cluster.primaryOf(holder.keyOf("failover"));
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      threads.submit(() -> {
        RedisMutex lock = holder.mutex("failover");
        lock.lock();
        held.countDown();
        release.await();
        try {
          lock.unlock();
        } catch (IllegalMonitorStateException | io.lettuce.core.RedisException e) {
          // its lease may have lapsed during the failover: the waiter's acquisition below is what matters
        }
        return null;
      });
      held.await();
      Future<Boolean> waiting = threads.submit(() -> {
        RedisMutex lock = waiter.mutex("failover");
        lock.lock();
        boolean holds = lock.isHeldByCurrentThread();
        lock.unlock();
        return holds;
      });
      await().until(() -> waiter.subscribedChannelCount() > 0);

      primary.kill();
      // A replica takes over the slots; until then every node still says ok, so wait for the dead node to be seen.
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)) // each look is a cluster client
          .until(() -> cluster.primaryOf(holder.keyOf("failover")) != primary);
      cluster.awaitHealthy(Duration.ofSeconds(30));
      release.countDown();

      assertThat(waiting.get(30, TimeUnit.SECONDS)).isTrue();
      RedisMutex fresh = holder.mutex("failover");
      assertThat(fresh.tryLock(10, TimeUnit.SECONDS)).isTrue();
      fresh.unlock();
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void readWriteLocksShareReadsAndExcludeWritesOnEverySlotAndTheirReadLeasesAreRenewed() throws Exception {
    try (RedisLocks here = node(Duration.ofMillis(1_000));
        RedisLocks there = node(Duration.ofMillis(1_000));
        LockOwner reader = new LockOwner("reader");
        LockOwner other = new LockOwner("other")) {
      List<String> names = List.of("prices", "prices{eu}", "orders:7", "stock");
      for (String name : names) {
        reader.lock(here.readWriteLock(name).readLock());
        assertThat(other.tryLock(there.readWriteLock(name).readLock(), 0)).as("readers share %s", name).isTrue();
        other.unlock(there.readWriteLock(name).readLock());
      }
      Future<Boolean> writer = other.start(() -> there.readWriteLock("stock").writeLock().tryLock(20, TimeUnit.SECONDS));
      Thread.sleep(2_500); // the behaviour under test: two and a half leases of holding, renewed in the background
      for (String name : names) {
        assertThat(reader.call(here.readWriteLock(name).readLock()::isLeaseValid)).as("read lease of %s", name)
            .isTrue();
      }
      assertThat(writer.isDone()).as("the writer waits for the reader").isFalse();
      for (String name : names) {
        reader.unlock(here.readWriteLock(name).readLock());
      }
      assertThat(writer.get(5, TimeUnit.SECONDS)).as("woken across the cluster's nodes").isTrue();
    }
  }
}
