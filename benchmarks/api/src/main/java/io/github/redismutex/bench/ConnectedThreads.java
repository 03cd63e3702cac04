package io.github.redismutex.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The threads of one timed window of the contended scenarios: each gets a plain connection of its own, all start
 * together once every one is connected (2,000 connects must not eat into the window), and all run their body until
 * the same deadline. A failure of any thread fails the window.
 */
final class ConnectedThreads {
  private ConnectedThreads() {}

  /** What one thread does in the window: runs until {@code endNanos}, and returns how many operations it did. */
  @FunctionalInterface
  interface Body {
    long run(int thread, Resp connection, long endNanos) throws Exception;
  }

  /** Runs {@code threads} threads named {@code name-i} for {@code seconds}; each thread's operations. */
  static long[] run(String name, int threads, ThreadFactory threadFactory, int port, double seconds, Body body) {
    long[] counts = new long[threads];
    CountDownLatch connected = new CountDownLatch(threads);
    CountDownLatch start = new CountDownLatch(1);
    AtomicLong end = new AtomicLong();
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker = threadFactory.newThread(() -> {
        try {
          Resp connection;
          try {
            connection = new Resp(port);
          } finally {
            connected.countDown(); // a thread that cannot connect must not hold the others back for a minute
          }
          try (Resp own = connection) {
            start.await();
            counts[index] = body.run(index, own, end.get());
          }
        } catch (Throwable e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      worker.setName(name + "-" + t);
      worker.start();
      workers.add(worker);
    }
    await(connected);
    end.set(System.nanoTime() + (long) (seconds * TimeUnit.SECONDS.toNanos(1)));
    start.countDown();
    joinAll(workers, seconds);
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a thread of " + name + " failed", failures.get(0));
    }
    return counts;
  }

  private static void joinAll(List<Thread> workers, double seconds) {
    for (Thread worker : workers) {
      try {
        // a thread stops trying at the end, but may still be waiting for its last acquisition
        worker.join(TimeUnit.SECONDS.toMillis(60) + (long) (seconds * 1000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (worker.isAlive()) {
        throw new IllegalStateException(worker.getName() + " still running a minute after the end");
      }
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the threads did not all connect within a minute");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
