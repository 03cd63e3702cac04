package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * R: a read-write lock of one name, from several JVMs (the harness starts two) of 4 threads each, as D's deposits.
 * Every operation takes the read lock with the mix's probability, else the write lock, and its acquisition is timed:
 *
 * <ul>
 *   <li>a write, under the write lock: GET the counter, add one, SET the counter, then SET the mirror to the same
 *       value. Not atomic, so two writers inside at once lose an update: lost writes = writes - the counter;
 *   <li>a read, under the read lock: MGET counter and mirror. A reader that sees them differ read in the middle of
 *       a write: a torn read, which a read lock that lets writers in produces.
 * </ul>
 *
 * The reads' round trips overlap only if read holds are shared, so a read lock that were secretly exclusive shows in
 * the throughput, and one that excluded nothing in the torn reads. Per mix and repetition the JVMs meet at a barrier
 * in Redis; each reports its reads, writes and torn reads; the first JVM ({@code --jvm 0}) also the commands Redis
 * ran in its window and the acquisition latencies of its own threads (the JVMs are alike), whose percentiles it
 * reports as medians over the repetitions.
 */
final class ReadWriteScenario {
  private static final String NAME = "bench-rw";

  private ReadWriteScenario() {}

  /** What one JVM runs: its threads, the repetitions, and whether it is the one that counts. */
  private record Plan(int threads, int jvms, int reps, double seconds, double warmupSeconds, boolean counting,
      List<Integer> ports) {}

  static void runWorker(Args args) {
    Plan plan = new Plan((int) args.number("threads", 4), (int) args.number("jvms", 2), (int) args.number("reps", 3),
        args.decimal("seconds", 3), args.decimal("warmup-seconds", 1), args.number("jvm", 0) == 0,
        args.target().ports());
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(plan.ports())) {
      ReadWriteLock lock = system.readWriteLock(NAME); // a library without one says so before any barrier
      for (ReadWriteMix mix : ReadWriteMix.ALL) {
        runMix(plan, mix, lock, counter);
      }
    }
  }

  private static void runMix(Plan plan, ReadWriteMix mix, ReadWriteLock lock, CommandCounter counter) {
    double[][] latencies = new double[4][plan.reps()]; // read p50, read p99, write p50, write p99 (µs)
    for (int rep = -1; rep < plan.reps(); rep++) { // rep -1 warms up
      String run = mix.run(rep < 0 ? "warmup" : "rep" + rep);
      int port = BenchKeys.portOf(plan.ports(), mix.counterKey(run)); // the barrier's node too: same hash tag
      try (Resp resp = new Resp(port)) {
        DepositScenario.meet(resp, BenchKeys.barrier(run), plan.jvms());
      }
      Tally[] tallies = new Tally[plan.threads()];
      Arrays.setAll(tallies, t -> new Tally());
      long before = counter.calls();
      ConnectedThreads.run("bench-rw", plan.threads(), Thread::new, port,
          rep < 0 ? plan.warmupSeconds() : plan.seconds(),
          (thread, redis, end) -> operateUntil(lock, mix, run, redis, tallies[thread], end));
      long commands = counter.calls() - before;
      if (rep >= 0) {
        report(mix.name(), rep, tallies, plan.counting() ? commands : null, latencies);
      }
    }
    if (plan.counting()) {
      String[] figures = {"read_p50_us", "read_p99_us", "write_p50_us", "write_p99_us"};
      for (int i = 0; i < figures.length; i++) {
        Report.medianOf(mix.name() + "." + figures[i], latencies[i]);
      }
    }
  }

  private static void report(String mix, int rep, Tally[] tallies, Long commands, double[][] latencies) {
    Report.result(mix + ".reads.rep" + rep, Arrays.stream(tallies).mapToLong(t -> t.reads).sum());
    Report.result(mix + ".writes.rep" + rep, Arrays.stream(tallies).mapToLong(t -> t.writes).sum());
    Report.result(mix + ".torn.rep" + rep, Arrays.stream(tallies).mapToLong(t -> t.torn).sum());
    if (commands != null) {
      Report.result(mix + ".commands.rep" + rep, commands);
      Samples reads = Samples.merge(Arrays.stream(tallies).map(t -> t.readNanos).toList());
      Samples writes = Samples.merge(Arrays.stream(tallies).map(t -> t.writeNanos).toList());
      latencies[0][rep] = reads.micros(0.50);
      latencies[1][rep] = reads.micros(0.99);
      latencies[2][rep] = writes.micros(0.50);
      latencies[3][rep] = writes.micros(0.99);
    }
  }

  private static long operateUntil(ReadWriteLock lock, ReadWriteMix mix, String run, Resp redis, Tally tally,
      long end) {
    String counterKey = mix.counterKey(run);
    String mirrorKey = mix.mirrorKey(run);
    while (System.nanoTime() < end) {
      boolean read = ThreadLocalRandom.current().nextInt(100) < mix.readPercent();
      Lock held = read ? lock.readLock() : lock.writeLock();
      long start = System.nanoTime();
      held.lock();
      long acquired = System.nanoTime();
      try {
        if (read) {
          List<?> values = (List<?>) redis.call("MGET", counterKey, mirrorKey);
          tally.torn += Objects.equals(values.get(0), values.get(1)) ? 0 : 1;
        } else {
          String value = redis.string("GET", counterKey);
          String next = Long.toString((value == null ? 0 : Long.parseLong(value)) + 1);
          redis.call("SET", counterKey, next);
          redis.call("SET", mirrorKey, next);
        }
      } finally {
        held.unlock();
      }
      if (read) {
        tally.reads++;
        tally.readNanos.add(acquired - start);
      } else {
        tally.writes++;
        tally.writeNanos.add(acquired - start);
      }
    }
    return tally.reads + tally.writes;
  }

  /** One thread's operations in one window; only its own thread writes it, read after the threads are joined. */
  private static final class Tally {
    long reads;
    long writes;
    long torn;
    final Samples readNanos = new Samples();
    final Samples writeNanos = new Samples();
  }

  /** Acquisition times in nanoseconds: a growable array, so that a window's percentiles are exact. */
  private static final class Samples {
    private long[] values = new long[1024];
    private int count;

    void add(long nanos) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = nanos;
    }

    static Samples merge(List<Samples> parts) {
      Samples all = new Samples();
      parts.forEach(part -> Arrays.stream(part.values, 0, part.count).forEach(all::add));
      return all;
    }

    /** The p-th percentile in µs; NaN for a window without any (a mix whose rare kind never came up). */
    double micros(double p) {
      return count == 0 ? Double.NaN : Report.percentile(values, count, p) / 1000.0;
    }
  }
}
