package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An asynchronous acquisition that gives up (its timeout, a cancellation, close()) leaves nothing behind: no queue
 * entry or ticket in Redis, no subscription, no local state, and never a key held by nobody, also when it gives up
 * just as the lock is handed to it.
 */
@ExtendWith(RedisExtension.class)
class AsyncAbandonIT {
  /** How late past its timeout a failed acquisition may complete. */
  private static final long LATENESS_MILLIS = 250;

  private final RedisServer redis;
  private final String prefix = "async-abandon-" + UUID.randomUUID() + ":";
  private final List<RedisLocks> opened = new ArrayList<>();

  AsyncAbandonIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void stop() {
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks connect() {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    opened.add(locks);
    return locks;
  }

  private String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  private long queued(String name) {
    return redis.admin().zcard(LockKeys.queueKey(key(name)));
  }

  /** Nothing of {@code waiter}'s acquisitions is left, here or in Redis; the holder's release hands it to nobody. */
  private void assertNothingLeftBehind(RedisLocks waiter, String name, Runnable releaseHolder) {
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
      assertThat(queued(name)).as("queue entries").isZero();
      assertThat(redis.admin().hlen(LockKeys.ticketsKey(key(name)))).as("tickets").isZero();
      assertThat(waiter.subscribedChannelCount()).as("subscribed channels").isZero();
      assertThat(waiter.asyncQueuedNameCount()).as("local queues").isZero();
      assertThat(waiter.heldLeaseCount()).as("leases in the watchdog").isZero();
    });
    releaseHolder.run();
    assertThat(waiter.inspect(name)).as("handed to nobody").isEmpty();
  }

  @Test
  void aReleaseRetryingThroughAnOutageIsCompletedByClose(@Dedicated RedisServer server) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(10)).meterRegistry(meters).build();
    opened.add(locks);
    LockHold hold = locks.mutex("held").acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    server.kill();
    CompletableFuture<Void> released = hold.release().toCompletableFuture();
    await().atMost(Duration.ofSeconds(5)).until(() -> meters.find("redis.mutex.redis.errors")
        .tag("operation", "release").counters().stream().mapToDouble(Counter::count).sum() > 0);
    assertThat(released).as("retrying through the outage, for up to the command timeout").isNotDone();
    long start = System.nanoTime();
    locks.close();
    assertThatThrownBy(() -> released.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed while releasing 'held'");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("completed by close()")
        .isLessThan(8_000);
  }

  @Test
  void aTimeoutMidWaitFailsWithinItsBoundAndLeavesNothingBehind() throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    RedisMutex held = holder.mutex("timed");
    held.lock();
    long start = System.nanoTime();
    CompletableFuture<LockHold> waiting = waiter.mutex("timed").acquireAsync(Duration.ofMillis(400))
        .toCompletableFuture();
    await().atMost(Duration.ofSeconds(2)).until(() -> queued("timed") == 1);
    assertThatThrownBy(() -> waiting.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
        .cause().isInstanceOf(TimeoutException.class).hasMessageContaining("PT0.4S");
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("acquireAsync(400 ms) failed after %d ms%n", tookMillis);
    assertThat(tookMillis).isBetween(400L, 400 + LATENESS_MILLIS);
    assertNothingLeftBehind(waiter, "timed", held::unlock);
  }

  @Test
  void aTimeoutBehindAnotherAsyncHoldOfTheSameInstanceFailsWithinItsBound() throws Exception {
    RedisLocks locks = connect();
    LockHold first = locks.mutex("local").acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    long start = System.nanoTime();
    CompletableFuture<LockHold> second = locks.mutex("local").acquireAsync(Duration.ofMillis(200))
        .toCompletableFuture();
    assertThatThrownBy(() -> second.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(TimeoutException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 200 + LATENESS_MILLIS);
    assertThat(queued("local")).as("it never reached Redis").isZero();
    first.close();
    assertThat(locks.inspect("local")).isEmpty();
    assertThat(locks.asyncQueuedNameCount()).isZero();
  }

  @Test
  void aCancellationMidWaitLeavesNothingBehind() throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    RedisMutex held = holder.mutex("cancelled");
    held.lock();
    CompletableFuture<LockHold> waiting = waiter.mutex("cancelled").acquireAsync().toCompletableFuture();
    CompletableFuture<LockHold> behind = waiter.mutex("cancelled").acquireAsync().toCompletableFuture();
    await().atMost(Duration.ofSeconds(2)).until(() -> queued("cancelled") == 1);
    assertThat(waiting.cancel(false)).isTrue();
    assertThat(behind.cancel(false)).isTrue();
    assertNothingLeftBehind(waiter, "cancelled", held::unlock);
  }

  /**
   * The holder releases, handing the lock to the waiter, while the waiter's caller cancels: whichever wins, the
   * lock is free for others at once, not after its 30 s lease.
   */
  @Test
  void aCancellationRacingTheHandOverNeverLeavesTheLockHeld() throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    RedisMutex contended = holder.mutex("raced");
    int handedAnyway = 0;
    for (int i = 0; i < 100; i++) {
      contended.lock();
      CompletableFuture<LockHold> waiting = waiter.mutex("raced").acquireAsync().toCompletableFuture();
      await().atMost(Duration.ofSeconds(2)).until(() -> queued("raced") == 1);
      if (i % 2 == 0) { // the hand-over first, the cancellation while it is on its way
        contended.unlock();
        waiting.cancel(false);
      } else { // the cancellation first, the hand-over while it is being handled
        waiting.cancel(false);
        contended.unlock();
      }
      if (!waiting.isCancelled()) {
        handedAnyway++;
        waiting.join().close(); // it got the lock before the cancel: the caller's to release
      }
      assertThat(contended.tryLock(2, TimeUnit.SECONDS)).as("free for others, round " + i).isTrue();
      contended.unlock();
    }
    System.out.printf("of 100 cancellations racing a hand-over, %d came after the hold%n", handedAnyway);
    assertNothingLeftBehind(waiter, "raced", () -> {});
  }

  /** Cancelled right after it was started, while its first attempt is on the wire: the key is not left set. */
  @Test
  void aCancellationRacingTheFirstAttemptNeverLeavesTheKeySet() throws Exception {
    RedisLocks locks = connect();
    RedisLocks other = connect();
    for (int i = 0; i < 200; i++) {
      CompletableFuture<LockHold> attempt = locks.mutex("free").acquireAsync().toCompletableFuture();
      if (!attempt.cancel(false)) {
        attempt.join().close();
      }
      assertThat(other.mutex("free").tryLock(2, TimeUnit.SECONDS)).as("free for others, round " + i).isTrue();
      other.mutex("free").unlock();
    }
    assertNothingLeftBehind(locks, "free", () -> {});
  }

  @Test
  void closeFailsPendingAcquisitionsTakesThemOutOfTheQueueAndStopsTheAsyncThread() throws Exception {
    RedisLocks holder = connect();
    Set<String> before = threadNames();
    RedisLocks closing = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    RedisMutex held = holder.mutex("closing");
    held.lock();
    List<CompletableFuture<LockHold>> waiting = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      waiting.add(closing.mutex("closing").acquireAsync().toCompletableFuture());
    }
    await().atMost(Duration.ofSeconds(2)).until(() -> queued("closing") == 1);
    Set<String> started = threadNames();
    started.removeAll(before);
    assertThat(started).anyMatch(name -> name.endsWith("-async"));

    closing.close();
    for (CompletableFuture<LockHold> pending : waiting) {
      assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(IllegalStateException.class)
          .hasMessage("RedisLocks is closed");
    }
    assertThat(queued("closing")).as("left the queue before close() returned").isZero();
    await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(threadNames()).doesNotContainAnyElementsOf(
        started));
    assertThatThrownBy(() -> closing.mutex("closing"))
        .isInstanceOf(IllegalStateException.class);
    held.unlock();
    assertThat(holder.inspect("closing")).as("handed to nobody").isEmpty();
  }

  private static Set<String> threadNames() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .collect(Collectors.toSet());
  }
}
