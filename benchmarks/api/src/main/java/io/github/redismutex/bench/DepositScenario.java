package io.github.redismutex.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.stream.Collectors;

/**
 * C and D: threads deposit into one account, the bank account of the demo: under the lock, GET the balance, add
 * one, SET it (each thread on a plain connection of its own). Afterwards the balance must equal the number of
 * acquisitions (lost updates = acquisitions - balance), and the per-thread counts show starvation.
 *
 * <p>C runs in one JVM ({@link #runOneJvm}); D runs {@link #runWorker} in several JVMs, which meet at a barrier in
 * Redis before each repetition, and the harness adds up their counts and reads the balances.
 */
final class DepositScenario {
  static final String LOCK_NAME = "bench-account";

  private DepositScenario() {}

  static void runOneJvm(Args args) {
    int threads = (int) args.number("threads", 8);
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 3);
    int port = args.target().firstPort();
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(args.target().ports());
        Resp resp = new Resp(port)) {
      Lock lock = system.lock(LOCK_NAME);
      deposit(lock, threads, port, "bench:balance:warmup", args.decimal("warmup-seconds", 1));
      double[] perSecond = new double[reps];
      double[] fairness = new double[reps];
      double[] lockCommands = new double[reps];
      long lost = 0;
      long minimum = Long.MAX_VALUE;
      long maximum = 0;
      for (int rep = 0; rep < reps; rep++) {
        String balanceKey = "bench:balance:" + rep;
        long before = counter.calls();
        long[] counts = deposit(lock, threads, port, balanceKey, seconds);
        long commands = counter.calls() - before;
        long total = Arrays.stream(counts).sum();
        String balance = resp.string("GET", balanceKey);
        lost += total - (balance == null ? 0 : Long.parseLong(balance));
        long min = Arrays.stream(counts).min().orElse(0);
        long max = Arrays.stream(counts).max().orElse(0);
        minimum = Math.min(minimum, min);
        maximum = Math.max(maximum, max);
        perSecond[rep] = total / seconds;
        fairness[rep] = max == 0 ? 0 : (double) min / max;
        // the deposit itself is 2 commands (GET, SET) and the balance read 1: the rest is the lock's
        lockCommands[rep] = (double) (commands - 2 * total - 1) / total;
        Report.result("counts.rep" + rep, join(counts));
      }
      Report.medianOf("acquisitions_per_s", perSecond);
      Report.medianOf("min_over_max", fairness);
      Report.result("worst_min_over_max", Arrays.stream(fairness).min().orElse(0)); // starvation is per run
      Report.medianOf("lock_commands_per_acquisition", lockCommands);
      Report.result("lost_updates", lost);
      Report.result("min_thread_acquisitions", minimum);
      Report.result("max_thread_acquisitions", maximum);
    }
  }

  /** One of the JVMs of D: before each repetition, waits in Redis for all of them, then deposits. */
  static void runWorker(Args args) {
    int threads = (int) args.number("threads", 4);
    int jvms = (int) args.number("jvms", 2);
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 3);
    int port = args.target().firstPort();
    try (LockSystem system = Driver.open(args); Resp resp = new Resp(port)) {
      Lock lock = system.lock(LOCK_NAME);
      for (int rep = -1; rep < reps; rep++) { // rep -1 warms up
        String label = rep < 0 ? "warmup" : String.valueOf(rep);
        meet(resp, "bench:barrier:" + label, jvms);
        double duration = rep < 0 ? args.decimal("warmup-seconds", 1) : seconds;
        long[] counts = deposit(lock, threads, port, "bench:balance:" + label, duration);
        if (rep >= 0) {
          Report.result("counts.rep" + rep, join(counts));
        }
      }
    }
  }

  /** Waits, at most a minute, until {@code jvms} processes have arrived at this barrier. */
  private static void meet(Resp resp, String barrier, int jvms) {
    resp.call("INCR", barrier);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (Long.parseLong(resp.string("GET", barrier)) < jvms) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the other JVMs did not reach " + barrier + " within a minute");
      }
      sleep(1);
    }
  }

  /** Runs {@code threads} depositing threads for {@code seconds}; returns each one's number of acquisitions. */
  static long[] deposit(Lock lock, int threads, int port, String balanceKey, double seconds) {
    long[] counts = new long[threads];
    long end = System.nanoTime() + (long) (seconds * TimeUnit.SECONDS.toNanos(1));
    List<Thread> workers = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int index = t;
      Thread worker = new Thread(() -> {
        try (Resp balance = new Resp(port)) {
          long count = 0;
          while (System.nanoTime() < end) {
            lock.lock();
            try {
              String value = balance.string("GET", balanceKey);
              long next = (value == null ? 0 : Long.parseLong(value)) + 1;
              balance.call("SET", balanceKey, Long.toString(next));
              count++;
            } finally {
              lock.unlock();
            }
          }
          counts[index] = count;
        } catch (Throwable e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      }, "bench-depositor-" + t);
      worker.start();
      workers.add(worker);
    }
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
    if (!failures.isEmpty()) {
      throw new IllegalStateException("a depositor failed", failures.get(0));
    }
    return counts;
  }

  static String join(long[] counts) {
    return Arrays.stream(counts).mapToObj(Long::toString).collect(Collectors.joining(","));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
