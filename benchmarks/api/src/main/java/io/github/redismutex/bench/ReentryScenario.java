package io.github.redismutex.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * B: the inner lock()+unlock() pair of a thread that already holds the lock. Nanoseconds per pair, and Redis commands
 * per pair (commandstats while timing, MONITOR for round trips afterwards). JMH measures the same pair more finely
 * ({@link InProcessCosts}).
 */
final class ReentryScenario {
  private ReentryScenario() {}

  static void run(Args args) {
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 1);
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(args.target().ports())) {
      if (!system.reentrant()) {
        throw new UnsupportedOperationException("not reentrant");
      }
      Lock lock = system.lock("bench-reentry");
      lock.lock();
      try {
        pairs(lock, args.decimal("warmup-seconds", 1));
        double[] nanosPerPair = new double[reps];
        double[] commands = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
          long before = counter.calls();
          long start = System.nanoTime();
          long count = pairs(lock, seconds);
          nanosPerPair[rep] = (double) (System.nanoTime() - start) / count;
          commands[rep] = (double) (counter.calls() - before) / count;
        }
        Report.medianOf("ns_per_pair", nanosPerPair);
        Report.medianOf("commands_per_pair", commands);
        int counted = 1000;
        CommandCounter.Recording recording = counter.monitor();
        for (int i = 0; i < counted; i++) {
          lock.lock();
          lock.unlock();
        }
        CommandCounter.Counts counts = recording.stop();
        Report.result("round_trips_per_pair", (double) counts.topLevel() / counted);
      } finally {
        lock.unlock();
      }
    }
  }

  private static long pairs(Lock lock, double seconds) {
    long end = System.nanoTime() + (long) (seconds * TimeUnit.SECONDS.toNanos(1));
    long count = 0;
    do {
      // 100 pairs between clock reads, so that reading the clock does not dominate a pair of a few nanoseconds
      for (int i = 0; i < 100; i++) {
        lock.lock();
        lock.unlock();
      }
      count += 100;
    } while (System.nanoTime() < end);
    return count;
  }
}
