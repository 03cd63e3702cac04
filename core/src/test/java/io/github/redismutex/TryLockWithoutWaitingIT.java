package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code tryLock(t)} with {@code t <= 0} does not wait, as the {@code Lock} contract says: not for a holder, and not
 * for a stalled or unreachable Redis either; it behaves as the smallest positive timeout does. Each test breaks a
 * server of its own.
 */
@ExtendWith(RedisExtension.class)
class TryLockWithoutWaitingIT {
  /** {@link RedisMutex#NO_WAIT_REPLY_BUDGET} plus what a loaded two-core machine adds to a timed wait. */
  private static final long BOUND_MILLIS = RedisMutex.NO_WAIT_REPLY_BUDGET.toMillis() + 150;

  private final String prefix = "no-wait-" + UUID.randomUUID() + ":";
  private RedisServer server;
  private RedisLocks locks;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
    locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build();
  }

  @AfterEach
  void stop() {
    locks.close();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, 1})
  void returnsFalseAtOnceWhileRedisIsPaused(long millis) throws Exception {
    server.admin().clientPause(3_000);
    long start = System.nanoTime();
    assertThat(locks.mutex("paused").tryLock(millis, TimeUnit.MILLISECONDS)).isFalse();
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("tryLock(%d ms) under CLIENT PAUSE returned after %d ms%n", millis, took);
    assertThat(took).as("not the command timeout (2 s)").isLessThan(BOUND_MILLIS);
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, 1})
  void returnsFalseRatherThanThrowingWhileRedisIsDown(long millis) throws Exception {
    server.kill();
    long start = System.nanoTime();
    assertThat(locks.mutex("down").tryLock(millis, TimeUnit.MILLISECONDS)).isFalse();
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(BOUND_MILLIS);
  }
}
