package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * A: one thread, lock() then unlock() of one free name, as fast as it goes. Cycles per second and cycle latency while
 * timing; Redis commands per cycle from INFO commandstats over the same phases; then a short MONITOR phase (not
 * timed) that splits them into top-level requests (round trips) and commands run inside scripts.
 */
final class UncontendedScenario {
  private UncontendedScenario() {}

  static void run(Args args) {
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 2);
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(args.target().ports())) {
      Lock lock = system.lock("bench-uncontended");
      cycles(lock, args.decimal("warmup-seconds", 1));
      double[] perSecond = new double[reps];
      double[] p50 = new double[reps];
      double[] p99 = new double[reps];
      double[] commands = new double[reps];
      for (int rep = 0; rep < reps; rep++) {
        long before = counter.calls();
        Cycles cycles = cycles(lock, seconds);
        commands[rep] = (double) (counter.calls() - before) / cycles.count;
        perSecond[rep] = cycles.count / seconds;
        p50[rep] = Report.percentile(cycles.nanos, cycles.count, 0.50) / 1000.0;
        p99[rep] = Report.percentile(cycles.nanos, cycles.count, 0.99) / 1000.0;
      }
      Report.medianOf("cycles_per_s", perSecond);
      Report.medianOf("p50_us", p50);
      Report.medianOf("p99_us", p99);
      Report.medianOf("commands_per_cycle", commands);

      int counted = 200;
      CommandCounter.Recording recording = counter.monitor();
      for (int i = 0; i < counted; i++) {
        lock.lock();
        lock.unlock();
      }
      CommandCounter.Counts counts = recording.stop();
      Report.result("round_trips_per_cycle", (double) counts.topLevel() / counted);
      Report.result("inner_commands_per_cycle", (double) counts.inner() / counted);
      Report.result("monitored_commands_per_cycle", (double) counts.total() / counted);
    }
  }

  record Cycles(long[] nanos, int count) {}

  static Cycles cycles(Lock lock, double seconds) {
    long[] nanos = new long[1 << 16];
    int count = 0;
    long end = System.nanoTime() + (long) (seconds * TimeUnit.SECONDS.toNanos(1));
    long now = System.nanoTime();
    while (now < end) {
      lock.lock();
      lock.unlock();
      long after = System.nanoTime();
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, count * 2);
      }
      nanos[count++] = after - now;
      now = after;
    }
    return new Cycles(nanos, count);
  }
}
