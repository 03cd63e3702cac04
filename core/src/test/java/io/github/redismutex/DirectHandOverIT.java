package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Direct hand-overs between processes: a release gives the lock to the oldest queued waiter of another
 * {@code RedisLocks}, which holds it without another round trip; a waiter that died in the queue costs the next
 * one at most the short lease of its hand-over.
 */
@ExtendWith(RedisExtension.class)
class DirectHandOverIT {
  private final RedisServer redis;
  private final String prefix = "direct-" + UUID.randomUUID() + ":";
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  DirectHandOverIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks node() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    opened.add(locks);
    return locks;
  }

  private long queued(RedisLocks locks, String name) {
    return redis.admin().zcard(LockKeys.queueKey(locks.keyOf(name)));
  }

  @Test
  void waitersOfOtherInstancesGetTheLockInTheOrderTheyQueued() throws Exception {
    RedisLocks holder = node();
    RedisMutex lock = holder.mutex("fifo");
    lock.lock();
    List<String> order = new CopyOnWriteArrayList<>();
    List<Future<?>> waiting = new ArrayList<>();
    for (String who : List.of("first", "second", "third", "fourth")) {
      RedisLocks node = node();
      waiting.add(threads.submit(() -> {
        RedisMutex theirs = node.mutex("fifo");
        theirs.lock();
        order.add(who);
        Thread.sleep(10); // the holder's work
        theirs.unlock();
        return null;
      }));
      long before = waiting.size() - 1;
      await().until(() -> queued(holder, "fifo") > before); // in the queue before the next one comes
    }
    lock.unlock();
    for (Future<?> f : waiting) {
      f.get(30, TimeUnit.SECONDS);
    }
    assertThat(order).containsExactly("first", "second", "third", "fourth");
    assertThat(queued(holder, "fifo")).isZero();
  }

  @Test
  void aHandOverToAWaiterThatDiedFreesTheLockWithinItsShortLease() throws Exception {
    RedisLocks holder = node();
    RedisLocks waiter = node();
    RedisMutex lock = holder.mutex("dead waiter");
    lock.lock();
    String key = holder.keyOf("dead waiter");
    // A waiter that queued first, then its process died at once: its ticket is still fresh, and nobody will take
    // what it is handed.
    long fresh = Long.parseLong(redis.admin().time().get(0)) * 1000 + 60_000;
    redis.admin().zadd(LockKeys.queueKey(key), 0, "dead-token");
    redis.admin().hset(LockKeys.ticketsKey(key), "dead-token", "dead-nonce " + fresh + " 999999 gone-host its thread");
    Future<Long> acquiredAt = threads.submit(() -> {
      RedisMutex theirs = waiter.mutex("dead waiter");
      theirs.lock();
      long at = System.nanoTime();
      theirs.unlock();
      return at;
    });
    await().until(() -> queued(holder, "dead waiter") == 2);
    long releasedAt = System.nanoTime();
    lock.unlock();
    assertThat(redis.admin().get(key)).startsWith("dead-token ");
    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(30, TimeUnit.SECONDS) - releasedAt);
    System.out.println("after a hand-over to a dead waiter, the next one acquired after " + waitedMillis + " ms");
    assertThat(waitedMillis).isBetween(LettuceLockStore.MAX_GRANT_LEASE_MILLIS - 100, 10_000L);
  }

  @Test
  void aWaiterThatGivesUpLeavesTheQueue() throws Exception {
    RedisLocks holder = node();
    RedisLocks waiter = node();
    RedisMutex lock = holder.mutex("impatient");
    lock.lock();
    assertThat(threads.submit(() -> waiter.mutex("impatient").tryLock(300, TimeUnit.MILLISECONDS)).get())
        .isFalse();
    await().until(() -> queued(holder, "impatient") == 0);
    lock.unlock();
    assertThat(holder.inspect("impatient")).as("handed to nobody").isEmpty();
  }

  @Test
  void anAnnouncementThatDoesNotEchoTheNonceOfTheWaitersLatestAttemptIsNotTrusted() throws Exception {
    RedisLocks holder = node();
    RedisLocks waiter = node();
    RedisMutex lock = holder.mutex("stale");
    lock.lock();
    String key = holder.keyOf("stale");
    Future<Boolean> waiting = threads.submit(() -> {
      RedisMutex theirs = waiter.mutex("stale");
      theirs.lock();
      theirs.unlock();
      return true;
    });
    await().until(() -> queued(holder, "stale") == 1);
    String waiterToken = redis.admin().zrange(LockKeys.queueKey(key), 0, 0).get(0);
    List<String> now = redis.admin().time();
    // As a hand-over announced for an earlier attempt, heard late, would be: the waiter's token, another nonce
    redis.admin().publish(LockKeys.releaseChannel(key), "granted " + waiterToken + " earlier-nonce 2000 1 " + now.get(0)
        + String.format("%06d", Long.parseLong(now.get(1))));
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
    lock.unlock();
    assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();
  }
}
