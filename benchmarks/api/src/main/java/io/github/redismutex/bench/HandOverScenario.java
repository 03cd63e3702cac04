package io.github.redismutex.bench;

import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * E: hand-over latency between two independent clients (two systems opened in this JVM, as two processes would).
 * X holds; Y's thread calls lock() and is left to block for a while (it subscribes, or starts polling); X unlocks at
 * t0; Y's lock() returns at t1. Reports percentiles of t1 - t0 per repetition, and their medians.
 */
final class HandOverScenario {
  private HandOverScenario() {}

  static void run(Args args) throws InterruptedException {
    int reps = (int) args.number("reps", 3);
    int rounds = (int) args.number("rounds", 100);
    long blockMillis = args.number("block-ms", 20);
    try (LockSystem x = Driver.open(args); LockSystem y = Driver.open(args)) {
      Lock xLock = x.lock("bench-handover");
      Lock yLock = y.lock("bench-handover");
      SynchronousQueue<Boolean> go = new SynchronousQueue<>();
      SynchronousQueue<Boolean> calling = new SynchronousQueue<>();
      SynchronousQueue<Long> acquiredAt = new SynchronousQueue<>();
      Thread waiter = new Thread(() -> {
        try {
          while (go.take()) {
            calling.put(true);
            yLock.lock();
            long t1 = System.nanoTime();
            yLock.unlock();
            acquiredAt.put(t1);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "bench-handover-y");
      waiter.setDaemon(true);
      waiter.start();

      rounds(xLock, go, calling, acquiredAt, Math.max(5, rounds / 5), blockMillis); // warm-up
      double[] p50 = new double[reps];
      double[] p99 = new double[reps];
      double[] max = new double[reps];
      for (int rep = 0; rep < reps; rep++) {
        long[] nanos = rounds(xLock, go, calling, acquiredAt, rounds, blockMillis);
        p50[rep] = Report.percentile(nanos, rounds, 0.50) / 1000.0;
        p99[rep] = Report.percentile(nanos, rounds, 0.99) / 1000.0;
        max[rep] = Report.percentile(nanos, rounds, 1.0) / 1000.0;
      }
      go.offer(false, 1, TimeUnit.SECONDS);
      Report.medianOf("p50_us", p50);
      Report.medianOf("p99_us", p99);
      Report.medianOf("max_us", max);
    }
    baselines(args, rounds, blockMillis);
  }

  /**
   * What any hand-over between two threads over Redis pays on this machine, whatever the lock, each after the same
   * idle time as a round above (so that the machine is as idle as when X unlocks): waking a blocked thread (one
   * SynchronousQueue hand-off, t0 before the put, t1 when the taker runs) and one PING round trip.
   */
  private static void baselines(Args args, int rounds, long idleMillis) throws InterruptedException {
    SynchronousQueue<Long> handOff = new SynchronousQueue<>();
    long[] wakeups = new long[rounds];
    Thread taker = new Thread(() -> {
      try {
        for (int i = 0; i < rounds; i++) {
          long t0 = handOff.take();
          wakeups[i] = System.nanoTime() - t0;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bench-wakeup-taker");
    taker.start();
    for (int i = 0; i < rounds; i++) {
      Thread.sleep(idleMillis); // the taker is parked again, as Y is in lock()
      handOff.put(System.nanoTime());
    }
    taker.join();
    long[] pings = new long[rounds];
    try (Resp resp = new Resp(args.target().ports().get(0))) {
      for (int i = 0; i < rounds; i++) {
        Thread.sleep(idleMillis);
        long t0 = System.nanoTime();
        resp.call("PING");
        pings[i] = System.nanoTime() - t0;
      }
    }
    Report.result("wakeup_p50_us", Report.percentile(wakeups, rounds, 0.50) / 1000.0);
    Report.result("ping_p50_us", Report.percentile(pings, rounds, 0.50) / 1000.0);
  }

  private static long[] rounds(Lock xLock, SynchronousQueue<Boolean> go, SynchronousQueue<Boolean> calling,
      SynchronousQueue<Long> acquiredAt, int rounds, long blockMillis) throws InterruptedException {
    long[] nanos = new long[rounds];
    for (int i = 0; i < rounds; i++) {
      xLock.lock();
      require(go.offer(true, 10, TimeUnit.SECONDS), "Y did not take the next round");
      require(calling.poll(10, TimeUnit.SECONDS) != null, "Y did not start calling lock()");
      Thread.sleep(blockMillis); // Y is now inside lock(), blocked behind X
      long t0 = System.nanoTime();
      xLock.unlock();
      Long t1 = acquiredAt.poll(30, TimeUnit.SECONDS);
      require(t1 != null, "Y did not acquire within 30 s of the release");
      nanos[i] = t1 - t0;
    }
    return nanos;
  }

  private static void require(boolean condition, String failure) {
    if (!condition) {
      throw new IllegalStateException(failure);
    }
  }
}
