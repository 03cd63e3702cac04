package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What a lock costs Redis, counted by Redis itself ({@code INFO commandstats}, which counts the commands a script
 * runs as well as the script call): the uncontended cycle is two round trips and four commands, a re-entry costs
 * none, a fencing token one round trip on a hold's first ask only.
 *
 * <p>Each test has a server of its own, so nothing else runs commands on it.
 */
@ExtendWith(RedisExtension.class)
class CommandCostIT {
  private static final int CYCLES = 50;

  private RedisServer redis;
  private RedisLocks locks;

  @BeforeEach
  void start(@Dedicated RedisServer redis) {
    this.redis = redis;
    locks = RedisLocks.builder().uri(redis.uri()).build();
  }

  @AfterEach
  void stop() {
    locks.close();
  }

  @Test
  void anUncontendedLockAndUnlockIsOneSetAndOneScriptOfAGetAndADel() {
    RedisMutex lock = locks.mutex("uncontended");
    lock.lock(); // warm: connections made, scripts loaded
    lock.unlock();
    Map<String, Long> before = redis.commandCalls();
    for (int i = 0; i < CYCLES; i++) {
      lock.lock();
      lock.unlock();
    }
    // SET NX PX GET to acquire; EVALSHA of release.lua, which runs GET and DEL: 2 round trips, 4 commands
    long n = CYCLES;
    assertThat(difference(before, redis.commandCalls())).isEqualTo(Map.of("set", n, "evalsha", n, "get", n, "del", n));
  }

  @Test
  void reEntryCostsNoCommand() {
    RedisMutex lock = locks.mutex("re-entered");
    lock.lock();
    Map<String, Long> before = redis.commandCalls();
    for (int i = 0; i < CYCLES; i++) {
      lock.lock();
      lock.unlock();
    }
    assertThat(difference(before, redis.commandCalls())).isEmpty();
    lock.unlock();
  }

  @Test
  void aFencingTokenCostsOneScriptOnTheHoldsFirstAskOnly() {
    RedisMutex lock = locks.mutex("fenced");
    lock.lock();
    Map<String, Long> before = redis.commandCalls();
    long token = lock.fencingToken();
    for (int i = 0; i < CYCLES; i++) {
      assertThat(lock.fencingToken()).isEqualTo(token);
    }
    // fence.lua: GET (ownership), INCR, GET (the counter as a string), SET KEEPTTL
    assertThat(difference(before, redis.commandCalls()))
        .isEqualTo(Map.of("evalsha", 1L, "get", 2L, "incr", 1L, "set", 1L));
    lock.unlock();
  }

  /** The commands run between two counts, with how many times each ran. */
  private static Map<String, Long> difference(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> sent = new TreeMap<>();
    after.forEach((name, calls) -> {
      long delta = calls - before.getOrDefault(name, 0L);
      if (delta != 0) {
        sent.put(name, delta);
      }
    });
    return sent;
  }
}
