package io.github.redismutex.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.spring.support.RedisProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * Two application contexts, each with its own RedisLocks and Lettuce client as two processes would have, and two
 * threads in each, all incrementing one counter under one lock name through their context's {@link LockRegistry}:
 * the lock must never be held twice at once, so no increment is lost.
 */
class TwoContextsContendIT {
  private static final int CONTEXTS = 2;
  private static final int THREADS_PER_CONTEXT = 2;
  private static final int ITERATIONS = 200;

  private final ApplicationContextRunner application = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RedisMutexAutoConfiguration.class))
      .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + RedisProcess.shared().port(),
          "redis-mutex.key-prefix=two-contexts:");

  private final AtomicInteger inside = new AtomicInteger(); // threads inside the critical section right now
  private final AtomicInteger overlaps = new AtomicInteger(); // times a thread found another one inside
  private long counter; // guarded by the Redis lock alone: no Java lock or volatile

  @Test
  void holdersInTwoContextsNeverOverlap() {
    application.run(first -> application.run(second -> {
      assertThat(first.getBean(LockRegistry.class)).isNotSameAs(second.getBean(LockRegistry.class));
      contend(List.of(first, second));
    }));
    assertThat(overlaps).hasValue(0);
    assertThat(counter).isEqualTo((long) CONTEXTS * THREADS_PER_CONTEXT * ITERATIONS);
  }

  private void contend(List<ApplicationContext> contexts) throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(CONTEXTS * THREADS_PER_CONTEXT);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (ApplicationContext context : contexts) {
        LockRegistry<?> registry = context.getBean(LockRegistry.class);
        for (int t = 0; t < THREADS_PER_CONTEXT; t++) {
          done.add(threads.submit(() -> {
            start.await();
            for (int i = 0; i < ITERATIONS; i++) {
              registry.executeLocked("counter", this::increment);
            }
            return null;
          }));
        }
      }
      start.countDown();
      for (Future<?> thread : done) {
        thread.get(2, TimeUnit.MINUTES);
      }
    } finally {
      threads.shutdownNow();
    }
  }

  /** A read, a pause and a write: two threads in here at once would lose an increment, and be counted. */
  private void increment() {
    if (inside.incrementAndGet() > 1) {
      overlaps.incrementAndGet();
    }
    long read = counter;
    Thread.yield();
    counter = read + 1;
    inside.decrementAndGet();
  }
}
