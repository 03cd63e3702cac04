package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Local hand-overs: threads of one RedisLocks pass a held lock straight on, at most {@code maxLocalHandOvers}
 * times in a row, each hold with a fencing token of its own, and other processes still get their turn.
 *
 * <p>Each test has a server of its own, so Redis's command counts are the test's alone.
 */
@ExtendWith(RedisExtension.class)
class LocalHandOverIT {
  private static final int THREADS = 4;
  private static final int HOLDS_PER_THREAD = 40;

  private RedisServer redis;
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final List<RedisLocks> opened = new ArrayList<>();

  @BeforeEach
  void start(@Dedicated RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void stop() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks connect(int maxLocalHandOvers) {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).maxLocalHandOvers(maxLocalHandOvers).build();
    opened.add(locks);
    return locks;
  }

  @Test
  void queuedThreadsGetTheLockWithoutANewAcquisitionInRedisAtMostMaxTimesInARow() throws Exception {
    int max = 3;
    RedisLocks locks = connect(max);
    long acquisitionsBefore = setCalls();
    int holds = holdInTurns(locks, "busy");
    long acquisitionsInRedis = setCalls() - acquisitionsBefore;
    // One acquisition in Redis serves at most 1 + max holds; with threads always queued, about that many.
    assertThat(acquisitionsInRedis).isBetween((long) Math.ceil(holds / (1.0 + max)), holds / 2L);
  }

  @Test
  void withNoLocalHandOversEveryHoldAcquiresInRedis() throws Exception {
    RedisLocks locks = connect(0);
    long acquisitionsBefore = setCalls();
    int holds = holdInTurns(locks, "strict");
    assertThat(setCalls() - acquisitionsBefore).isEqualTo(holds);
  }

  @Test
  void aHoldAfterALocalHandOverDrawsAHigherFencingTokenOfItsOwnAndShowsAsTheHolder() throws Exception {
    RedisLocks locks = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    RedisMutex lock = locks.mutex("fenced");
    lock.lock();
    long first = lock.fencingToken();
    CompletableFuture<Thread> next = new CompletableFuture<>();
    Future<Long> nextToken = threads.submit(() -> {
      next.complete(Thread.currentThread());
      lock.lock();
      try {
        assertThat(locks.inspect("fenced").orElseThrow().threadName())
            .as("not drawn yet: the holder that acquired in Redis still shows").isNotEqualTo(Thread.currentThread().getName());
        long token = lock.fencingToken();
        assertThat(locks.inspect("fenced").orElseThrow().threadName()).isEqualTo(Thread.currentThread().getName());
        return token;
      } finally {
        lock.unlock();
      }
    });
    Thread waiting = next.get(10, TimeUnit.SECONDS);
    await().until(() -> waiting.getState() == Thread.State.WAITING); // queued at the local gate
    long acquisitionsBefore = setCalls();
    lock.unlock();
    assertThat(nextToken.get(10, TimeUnit.SECONDS)).isGreaterThan(first);
    assertThat(setCalls() - acquisitionsBefore).as("only fence.lua's SET: no acquisition").isOne();
  }

  @Test
  void twoInstancesWithBusyThreadsBothGetTheirShare() throws Exception {
    RedisLocks one = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    RedisLocks other = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicInteger inside = new AtomicInteger();
    AtomicLong overlaps = new AtomicLong();
    List<Future<Integer>> counts = new ArrayList<>();
    for (RedisLocks locks : List.of(one, other)) {
      for (int t = 0; t < 2; t++) {
        counts.add(threads.submit(() -> {
          RedisMutex lock = locks.mutex("shared");
          int held = 0;
          while (running.get()) {
            lock.lock();
            try {
              if (inside.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
              }
              held++;
              Thread.sleep(1); // the holder's work
              inside.decrementAndGet();
            } finally {
              lock.unlock();
            }
          }
          return held;
        }));
      }
    }
    Thread.sleep(3_000); // how long the load runs
    running.set(false);
    int oneHeld = counts.get(0).get(10, TimeUnit.SECONDS) + counts.get(1).get(10, TimeUnit.SECONDS);
    int otherHeld = counts.get(2).get(10, TimeUnit.SECONDS) + counts.get(3).get(10, TimeUnit.SECONDS);
    System.out.printf("two instances, 2 threads each, 3 s: %d and %d holds%n", oneHeld, otherHeld);
    assertThat(overlaps).hasValue(0);
    assertThat(Math.min(oneHeld, otherHeld)).isGreaterThanOrEqualTo(Math.max(oneHeld, otherHeld) / 3);
  }

  @Test
  void aReleaseThatAnnouncedWaitersKeepsItsInstanceFromTakingTheLockBackForAMoment() throws Exception {
    RedisLocks locks = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    RedisMutex lock = locks.mutex("given way");
    lock.lock();
    // A waiter of another process, slow to react: its mark is there, it has not taken the lock yet.
    redis.admin().set(LockKeys.waitersKey(locks.keyOf("given way")), "1");
    lock.unlock();
    long releasedAt = System.nanoTime();
    assertThat(lock.tryLock()).as("given way").isFalse();
    assertThat(lock.isLocked()).as("nobody holds it meanwhile").isFalse();
    assertThat(lock.tryLock(5, TimeUnit.SECONDS)).as("once the give-way ends").isTrue();
    assertThat(System.nanoTime() - releasedAt)
        .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(LettuceLockStore.GIVE_WAY_MILLIS));
    lock.unlock();
  }

  @Test
  void anotherInstanceTakesALockGivenWayAtOnce() throws Exception {
    RedisLocks releasing = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    RedisLocks other = connect(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    RedisMutex lock = releasing.mutex("given way");
    lock.lock();
    redis.admin().set(LockKeys.waitersKey(releasing.keyOf("given way")), "1");
    lock.unlock();
    RedisMutex theirs = other.mutex("given way");
    assertThat(theirs.tryLock()).isTrue();
    assertThat(lock.tryLock()).isFalse();
    theirs.unlock();
  }

  /** {@link #THREADS} threads each hold the lock {@link #HOLDS_PER_THREAD} times; checks they never overlapped. */
  private int holdInTurns(RedisLocks locks, String name) throws Exception {
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < THREADS; t++) {
      done.add(threads.submit(() -> {
        RedisMutex lock = locks.mutex(name);
        for (int i = 0; i < HOLDS_PER_THREAD; i++) {
          lock.lock();
          try {
            if (inside.incrementAndGet() != 1) {
              overlaps.incrementAndGet();
            }
            Thread.sleep(1); // the holder's work, long enough for the others to queue
            inside.decrementAndGet();
          } finally {
            lock.unlock();
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    assertThat(overlaps).hasValue(0);
    return THREADS * HOLDS_PER_THREAD;
  }

  /** SET commands Redis ran so far: one per acquisition in Redis (its first attempt), plus fence.lua's. */
  private long setCalls() {
    return redis.commandCalls().getOrDefault("set", 0L);
  }
}
