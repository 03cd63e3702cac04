package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Misuse that must not break a lock: writes into the library's own keys, keys of a lock that an operator filled with
 * something else, an interrupted thread building an instance. Each is refused or reported clearly, and changes
 * nothing.
 */
@ExtendWith(RedisExtension.class)
class MisuseIT {
  private final RedisServer redis;
  private final String prefix = "misuse-" + UUID.randomUUID() + ":";
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  MisuseIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks connect() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    opened.add(locks);
    return locks;
  }

  @Test
  void fencedSetRefusesTheKeysOfLocksAndLeavesThemAlone() {
    RedisLocks locks = connect();
    RedisMutex victim = locks.mutex("victim");
    victim.lock();
    String key = locks.keyOf("victim");
    String before = redis.admin().get(key);
    for (String target : List.of(key, LockKeys.fenceKey(key), LockKeys.queueKey(key), prefix + "{other}")) {
      assertThatThrownBy(() -> locks.fencedSet(target, "junk", 1000))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("key")
          .hasMessageContaining("'" + prefix + "{'");
    }
    assertThat(redis.admin().get(key)).isEqualTo(before);
    victim.unlock(); // no LeaseExpiredException: the key is still the holder's
  }

  @Test
  void fencedSetStillWritesOtherKeysThatShareThePrefix() {
    RedisLocks locks = connect();
    assertThat(locks.fencedSet(prefix + "account:1", "100", 1)).isTrue();
    assertThat(redis.admin().get(prefix + "account:1")).isEqualTo("100");
  }

  @Test
  void aQueueKeyOfTheWrongTypeIsReportedByNameAndLeftAlone() throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    String key = holder.keyOf("odd queue");
    redis.admin().set(LockKeys.queueKey(key), "an operator's string");
    RedisMutex held = holder.mutex("odd queue");
    held.lock(); // a first attempt, SET NX, does not touch the queue
    Future<Boolean> waiting = threads.submit(() -> waiter.mutex("odd queue").tryLock(500, TimeUnit.MILLISECONDS));
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class)
        .cause()
        .hasMessageContaining("'odd queue'")
        .hasMessageContaining("'" + LockKeys.queueKey(key) + "'")
        .hasMessageContaining("delete it");
    assertThat(redis.admin().get(LockKeys.queueKey(key))).isEqualTo("an operator's string");
    held.unlock();
    assertThat(redis.admin().get(LockKeys.queueKey(key))).isEqualTo("an operator's string");
    redis.admin().del(LockKeys.queueKey(key));
  }

  @Test
  void aFencingCounterThatIsNotANumberIsReportedByNameAndLeftAlone() {
    RedisLocks locks = connect();
    String key = locks.keyOf("odd counter");
    redis.admin().set(LockKeys.fenceKey(key), "not a number");
    RedisMutex lock = locks.mutex("odd counter");
    lock.lock();
    assertThatThrownBy(lock::fencingToken)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'odd counter'")
        .hasMessageContaining("'" + LockKeys.fenceKey(key) + "'")
        .hasMessageContaining("delete it");
    assertThat(redis.admin().get(LockKeys.fenceKey(key))).isEqualTo("not a number");
    lock.unlock();
    redis.admin().del(LockKeys.fenceKey(key));
  }

  @Test
  void aReleaseWhoseHandOverWouldDrawFromACounterThatIsNotANumberStillReleasesTheLock() throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    String key = holder.keyOf("odd hand-over");
    RedisMutex held = holder.mutex("odd hand-over");
    held.lock();
    Future<String> waiting = threads.submit(() -> {
      RedisMutex lock = waiter.mutex("odd hand-over");
      if (!lock.tryLock(5, TimeUnit.SECONDS)) {
        return "timed out";
      }
      try {
        lock.fencingToken();
        return "drew a token";
      } catch (IllegalStateException e) {
        return e.getMessage();
      } finally {
        lock.unlock();
      }
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.admin().zcard(LockKeys.queueKey(key)) == 1);
    redis.admin().set(LockKeys.fenceKey(key), "not a number");
    held.unlock(); // released; the waiter is woken to take it, not handed a fencing token that cannot be drawn
    assertThat(waiting.get(10, TimeUnit.SECONDS)).contains("'" + LockKeys.fenceKey(key) + "'").contains("delete it");
    assertThat(redis.admin().get(LockKeys.fenceKey(key))).isEqualTo("not a number");
    redis.admin().del(LockKeys.fenceKey(key));
  }

  @Test
  void buildingOnAnInterruptedThreadKeepsItsInterrupt() {
    Thread.currentThread().interrupt();
    try {
      RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
      opened.add(locks);
      assertThat(Thread.currentThread().isInterrupted()).as("the caller's interrupt flag").isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
