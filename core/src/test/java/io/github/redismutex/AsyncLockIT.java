package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Servers;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The non-blocking API: {@code acquireAsync()} holds without parking a thread, excludes like the blocking API, and
 * its {@link LockHold} is owned by the hold, not by a thread.
 */
@ExtendWith(RedisExtension.class)
class AsyncLockIT {
  private final RedisServer redis;
  private final String prefix = "async-" + UUID.randomUUID() + ":";
  private final ExecutorService callbacks = Executors.newFixedThreadPool(2, task -> new Thread(task, "callbacks"));
  private final List<AutoCloseable> opened = new ArrayList<>();

  AsyncLockIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void stop() throws Exception {
    callbacks.shutdownNow();
    for (AutoCloseable closeable : opened) {
      closeable.close();
    }
  }

  private RedisLocks connect() {
    return connect(RedisLocks.DEFAULT_LEASE_TIME, (name, token) -> {});
  }

  private RedisLocks connect(Duration lease, LeaseLostListener listener) {
    RedisLocks locks =
        RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).leaseTime(lease).onLeaseLost(listener).build();
    opened.add(locks);
    return locks;
  }

  private static Set<String> libraryThreads() {
    return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
        .filter(name -> name.startsWith("redis-mutex-")).collect(Collectors.toSet());
  }

  @Test
  void tenThousandAcquisitionsOnTenNamesFromTwoInstancesAllCompleteExcludeEachOtherAndParkNoThread()
      throws Exception {
    int names = 10;
    int perName = 1_000;
    RedisClient client = RedisClient.create(redis.uri());
    opened.add(client::shutdown);
    StatefulRedisConnection<String, String> connection = client.connect();
    RedisAsyncCommands<String, String> data = connection.async();
    RedisLocks alice = connect();
    RedisLocks bob = connect();
    Set<String> before = libraryThreads();
    AtomicInteger[] inside = new AtomicInteger[names];
    AtomicInteger mostInside = new AtomicInteger();
    for (int n = 0; n < names; n++) {
      inside[n] = new AtomicInteger();
    }

    long start = System.nanoTime();
    List<CompletableFuture<Void>> deposits = new ArrayList<>();
    for (int i = 0; i < names * perName; i++) {
      int n = i % names;
      RedisLocks locks = (i / names) % 2 == 0 ? alice : bob;
      deposits.add(locks.mutex("account-" + n).acquireAsync()
          .thenComposeAsync(hold -> deposit(data, "balance-" + n, inside[n], mostInside, hold), callbacks)
          .toCompletableFuture());
    }
    long probeAt = System.nanoTime();
    long waiting = deposits.stream().filter(d -> !d.isDone()).count();
    CompletableFuture.runAsync(() -> {}, callbacks).get(1, TimeUnit.SECONDS);
    long probeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - probeAt);
    Set<String> added = libraryThreads();
    added.removeAll(before);

    CompletableFuture.allOf(deposits.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    System.out.printf("%d async acquisitions on %d names from two RedisLocks: %d ms; a task on the 2-thread pool"
        + " ran %d ms after it was submitted, while %d waited%n", names * perName, names, tookMillis, probeMillis,
        waiting);
    assertThat(waiting).as("acquisitions waiting at the probe").isGreaterThan(names * perName / 2);
    assertThat(probeMillis).as("the callback pool stays free while thousands wait").isLessThan(500);
    assertThat(added).as("library threads started by 10,000 acquisitions")
        .allMatch(name -> name.endsWith("-async")).hasSize(2);
    assertThat(mostInside.get()).as("holders of one name at once").isEqualTo(1);
    for (int n = 0; n < names; n++) {
      assertThat(redis.admin().get(prefix + "balance-" + n)).as("balance " + n).isEqualTo(Integer.toString(perName));
    }
    assertThat(alice.heldLeaseCount() + bob.heldLeaseCount()).isZero();
    assertThat(alice.asyncQueuedNameCount() + bob.asyncQueuedNameCount()).isZero();
  }

  /** A non-atomic read-modify-write in Redis: two holders at once would lose a deposit. */
  private CompletionStage<Void> deposit(RedisAsyncCommands<String, String> data, String account,
      AtomicInteger inside, AtomicInteger mostInside, LockHold hold) {
    mostInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
    String key = prefix + account;
    return data.get(key)
        .thenComposeAsync(balance -> data.set(key, Long.toString((balance == null ? 0 : Long.parseLong(balance)) + 1)),
            callbacks)
        .thenComposeAsync(ok -> {
          inside.decrementAndGet();
          return hold.release();
        }, callbacks);
  }

  @Test
  void anyThreadMayReleaseAHold() throws Exception {
    RedisLocks locks = connect();
    RedisLocks other = connect();
    LockHold hold = locks.mutex("shared").acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    Thread releasing = new Thread(() -> hold.release().toCompletableFuture().join(), "not-the-acquirer");
    releasing.start();
    releasing.join(5_000);
    assertThat(hold.isLeaseValid()).isFalse();
    assertThat(other.mutex("shared").tryLock()).as("released by another thread").isTrue();
    other.mutex("shared").unlock();
  }

  @Test
  void aBlockingThreadAndAnAsyncHoldOfOneInstanceExcludeEachOther() throws Exception {
    RedisLocks locks = connect();
    RedisMutex mutex = locks.mutex("both");
    LockHold hold = mutex.acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(mutex.tryLock(200, TimeUnit.MILLISECONDS)).as("a thread while the async hold holds").isFalse();
    hold.release().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(mutex.tryLock(5, TimeUnit.SECONDS)).isTrue();

    CompletableFuture<LockHold> waiting = mutex.acquireAsync().toCompletableFuture();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
    mutex.unlock();
    waiting.get(5, TimeUnit.SECONDS).close();
  }

  @Test
  void anAsyncHoldIsNotReentrantASecondAcquisitionWaitsForTheFirst() throws Exception {
    RedisMutex mutex = connect().mutex("once");
    LockHold first = mutex.acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    CompletableFuture<LockHold> second = mutex.acquireAsync().toCompletableFuture();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !second.isDone());
    first.close();
    try (LockHold next = second.get(5, TimeUnit.SECONDS)) {
      assertThat(next.isLeaseValid()).isTrue();
      assertThat(first.isLeaseValid()).isFalse();
    }
  }

  @Test
  void aLostLeaseFailsReleaseWithLeaseExpiredExceptionAndTellsTheListenerOnce() throws Exception {
    List<String> told = new CopyOnWriteArrayList<>();
    RedisLocks locks = connect(Duration.ofMillis(600), (name, token) -> told.add(name + " " + token));
    LockHold hold = locks.mutex("vanishing").acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    long token = hold.fencingToken().toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertThat(hold.fencingToken().toCompletableFuture().get()).as("drawn once").isEqualTo(token);
    assertThat(hold.isLeaseValid()).isTrue();
    redis.admin().del(locks.keyOf("vanishing")); // what an expiry or an eviction does
    await().atMost(Duration.ofSeconds(5)).until(() -> !hold.isLeaseValid());
    await().atMost(Duration.ofSeconds(5)).until(() -> !told.isEmpty()); // told right after the loss is marked
    assertThat(told).containsExactly("vanishing " + token);
    assertThatThrownBy(() -> hold.release().toCompletableFuture().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(LeaseExpiredException.class)
        .hasMessageContaining("was found lost at about");
    assertThat(told).as("release does not tell again").hasSize(1);
    assertThatThrownBy(hold::close).as("close reports the same").isInstanceOf(LeaseExpiredException.class);
  }

  @Test
  void aTimeoutOfZeroMakesOneAttemptAndDoesNotWait() throws Exception {
    RedisLocks locks = connect();
    RedisMutex mutex = locks.mutex("zero");
    LockHold hold = mutex.acquireAsync(Duration.ZERO).toCompletableFuture().get(5, TimeUnit.SECONDS);
    long start = System.nanoTime();
    assertThatThrownBy(() -> mutex.acquireAsync(Duration.ZERO).toCompletableFuture().get(5, TimeUnit.SECONDS))
        .cause().isInstanceOf(java.util.concurrent.TimeoutException.class).hasMessageContaining("'zero'");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(250);
    hold.close();
  }

  @Test
  void aTimeoutOfZeroAgainstAnotherInstancesHoldSendsOneAttemptAndSubscribesToNothing() throws Exception {
    RedisLocks holder = connect();
    RedisLocks other = connect();
    holder.mutex("zero-held").lock();
    Map<String, Long> before = redis.commandCalls();
    assertThatThrownBy(() -> other.mutex("zero-held").acquireAsync(Duration.ZERO).toCompletableFuture()
        .get(5, TimeUnit.SECONDS)).cause().isInstanceOf(java.util.concurrent.TimeoutException.class);
    Map<String, Long> after = redis.commandCalls();
    long attempts = Stream.of("set", "eval", "evalsha")
        .mapToLong(c -> after.getOrDefault(c, 0L) - before.getOrDefault(c, 0L)).sum();
    assertThat(attempts).as("acquisition commands sent").isEqualTo(1);
    assertThat(after.getOrDefault("subscribe", 0L)).as("subscriptions").isEqualTo(before.getOrDefault("subscribe", 0L));
  }

  @Test
  void onRedlockAnAsyncHoldExcludesAnotherInstanceUntilReleased(@Servers(3) List<RedisServer> servers)
      throws Exception {
    String[] uris = servers.stream().map(RedisServer::uri).toArray(String[]::new);
    RedisLocks one = RedisLocks.builder().redlock(uris).keyPrefix(prefix).build();
    opened.add(one);
    RedisLocks two = RedisLocks.builder().redlock(uris).keyPrefix(prefix).build();
    opened.add(two);
    LockHold hold = one.mutex("quorum").acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS);
    CompletableFuture<LockHold> waiting = two.mutex("quorum").acquireAsync().toCompletableFuture();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
    hold.close();
    waiting.get(5, TimeUnit.SECONDS).close();
    assertThat(one.inspect("quorum")).isEmpty();
  }

  @Test
  void badArgumentsAreRefusedByNameRuleAndValueAndStartNothing() throws Exception {
    Set<String> before = libraryThreads();
    RedisLocks locks = connect();
    String watchdog = libraryThreads().stream().filter(name -> !before.contains(name) && name.endsWith("-watchdog"))
        .findFirst().orElseThrow();
    String asyncThread = watchdog.replace("-watchdog", "-async");
    RedisMutex mutex = locks.mutex("bad");
    assertThatThrownBy(() -> mutex.acquireAsync(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("timeout must not be null");
    assertThatThrownBy(() -> mutex.acquireAsync(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("timeout must not be negative, was PT-0.001S");
    assertThat(libraryThreads()).as("no async thread started").doesNotContain(asyncThread);
    assertThat(locks.localLockCount()).isZero();
    assertThat(locks.inspect("bad")).isEmpty();

    try (LockHold hold = mutex.acquireAsync().toCompletableFuture().get(5, TimeUnit.SECONDS)) {
      assertThatThrownBy(() -> hold.extend(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
          .hasMessage("additional must be between PT0.001S and PT24H, was PT0S");
      assertThatThrownBy(() -> hold.extend(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("additional must not be null");
      assertThat(hold.isLeaseValid()).isTrue();
      assertThat(hold.extend(Duration.ofSeconds(5)).toCompletableFuture().get(5, TimeUnit.SECONDS)).isTrue();
    }
  }
}
