package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.history.Workload;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.HolderThread;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Callers at the edges of the design: a holder that runs ten times its lease, thousands of waiters on one name, and
 * thousands of names with one waiter each. Each ends with nothing left behind: no local state, no subscription.
 */
@ExtendWith(RedisExtension.class)
class SlowCallersIT {
  private static final int THOUSANDS = 2_000;

  private final RedisServer redis;
  private final String prefix = "slow-" + UUID.randomUUID() + ":";

  SlowCallersIT(RedisServer redis) {
    this.redis = redis;
  }

  @Test
  void aHolderThatRunsTenTimesItsLeaseKeepsItWhileWaitersTimeOutPunctually() throws Exception {
    Duration lease = Duration.ofMillis(300);
    String run = "long-job-" + UUID.randomUUID().toString().substring(0, 8);
    WorkloadRun.Result result;
    try (WorkloadRun waiters = new WorkloadRun(Path.of("target", "history", run), run + ":", lease,
            new Workload.Settings(List.of("long job"), 4, Duration.ofMillis(60), Duration.ofMillis(200), lease), 42,
            Duration.ofMillis(WorkloadRun.ALLOWED_LATENESS_MILLIS));
        RedisLocks holderLocks = RedisLocks.builder().uri(redis.uri()).keyPrefix(waiters.prefix()).leaseTime(lease)
            .build();
        HolderThread holder = HolderThread.lock(holderLocks.mutex("long job"))) {
      holder.awaitAcquired(10);
      RedisLocks waiterLocks = waiters.startClient(redis.uri()); // four threads, tryLock(200 ms) over and over
      Thread.sleep(10 * lease.toMillis()); // the holder's work
      result = waiters.stop(Duration.ofSeconds(10));
      System.out.printf("holder ran 10 leases: %s%n", result);
      assertThat(holder.leaseInvalidAtNanos()).as("the lease stayed valid").isZero();
      assertThat(holder.release(10)).isNull();
      assertThat(waiterLocks.subscribedChannelCount()).isZero();
    }
    result.assertSafe();
    assertThat(result.acquisitions()).isZero();
    assertThat(result.report().timedOutWaits()).isPositive();
  }

  @Test
  void twoThousandWaitersOnOneNameAllAcquireInTurnAndLeaveNothingBehind() throws Exception {
    try (RedisLocks first = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
        RedisLocks second = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      RedisMutex gate = first.mutex("crowded");
      gate.lock();
      AtomicInteger inside = new AtomicInteger();
      AtomicInteger maxInside = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(THOUSANDS);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < THOUSANDS; i++) {
        RedisLocks locks = i % 2 == 0 ? first : second; // half wait locally behind the holder, half in another client
        threads.add(startThread("crowd-" + i, () -> {
          RedisMutex lock = locks.mutex("crowded");
          lock.lock();
          try {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            inside.decrementAndGet();
          } finally {
            lock.unlock();
            done.countDown();
          }
        }));
      }
      // all of them waiting before the release: the second client's contender in the Redis queue, the rest parked
      String queue = LockKeys.queueKey(first.keyOf("crowded"));
      await().atMost(Duration.ofSeconds(30)).until(() -> redis.admin().zcard(queue) == 1
          && threads.stream().allMatch(SlowCallersIT::parked));
      long releasedAt = System.nanoTime();
      gate.unlock();
      assertThat(done.await(90, TimeUnit.SECONDS)).as("all %d acquired", THOUSANDS).isTrue();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt);
      joinAll(threads, Duration.ofSeconds(10));
      System.out.printf("%d waiters on one name, in two clients: all acquired in turn within %d ms of the release%n",
          THOUSANDS, tookMillis);
      assertThat(maxInside.get()).isEqualTo(1);
      assertNothingLeft(first, second);
    }
  }

  @Test
  void twoThousandNamesWithOneWaiterEachAllAcquireOnReleaseAndLeaveNothingBehind() throws Exception {
    try (RedisLocks holders = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix)
            .leaseTime(Duration.ofSeconds(2)).build(); // the watchdog renews 2,000 leases every 667 ms meanwhile
        RedisLocks waiting = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger lostAtUnlock = new AtomicInteger();
      Thread holder = startThread("holder-of-many", () -> {
        for (int i = 0; i < THOUSANDS; i++) {
          holders.mutex("name-" + i).lock();
        }
        held.countDown();
        release.await();
        for (int i = 0; i < THOUSANDS; i++) {
          try {
            holders.mutex("name-" + i).unlock();
          } catch (LeaseExpiredException e) {
            lostAtUnlock.incrementAndGet();
          }
        }
      });
      assertThat(held.await(60, TimeUnit.SECONDS)).isTrue();
      CountDownLatch acquired = new CountDownLatch(THOUSANDS);
      List<Thread> threads = new ArrayList<>();
      for (int i = 0; i < THOUSANDS; i++) {
        String name = "name-" + i;
        threads.add(startThread("waiter-of-" + name, () -> {
          RedisMutex lock = waiting.mutex(name);
          lock.lock();
          acquired.countDown();
          lock.unlock();
        }));
      }
      // every waiter subscribed (a release channel and a keyspace channel each) before the releases start
      await().atMost(Duration.ofSeconds(60)).until(() -> waiting.subscribedChannelCount() >= 2 * THOUSANDS);
      Thread.sleep(2_000); // the holder's work: 2,000 locks held through three renewal rounds
      long releasedAt = System.nanoTime();
      release.countDown();
      assertThat(acquired.await(60, TimeUnit.SECONDS)).isTrue();
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - releasedAt);
      joinAll(threads, Duration.ofSeconds(10));
      joinAll(List.of(holder), Duration.ofSeconds(10));
      System.out.printf("%d names, one waiter each: all acquired within %d ms of the start of the releases; %d"
          + " leases lost meanwhile%n", THOUSANDS, tookMillis, lostAtUnlock.get());
      assertThat(lostAtUnlock.get()).as("leases lost while 2,000 were renewed").isZero();
      assertNothingLeft(holders, waiting);
    }
  }

  /** No local lock state, no held lease, no subscription, in the clients or on the server. */
  private void assertNothingLeft(RedisLocks... clients) {
    for (RedisLocks locks : clients) {
      assertThat(locks.localLockCount()).as("local lock entries").isZero();
      assertThat(locks.heldLeaseCount()).as("leases in the watchdog").isZero();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(
          () -> assertThat(locks.subscribedChannelCount()).as("subscribed channels").isZero());
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(
        () -> assertThat(redis.admin().pubsubChannels(prefix + "*")).as("channels on the server").isEmpty());
  }

  interface Body {
    void run() throws Exception;
  }

  private static boolean parked(Thread thread) {
    return thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING;
  }

  /** A named thread with a small stack (thousands of them), its failure printed. */
  private static Thread startThread(String name, Body body) {
    Thread thread = new Thread(null, () -> {
      try {
        body.run();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }, name, 256 * 1024);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  private static void joinAll(List<Thread> threads, Duration bound) throws InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    for (Thread thread : threads) {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      assertThat(thread.isAlive()).as("%s still running", thread.getName()).isFalse();
    }
  }
}
