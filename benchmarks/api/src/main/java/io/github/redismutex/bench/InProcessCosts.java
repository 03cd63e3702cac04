package io.github.redismutex.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * JMH: the in-process costs, each on one thread: the inner lock()+unlock() of a re-entry, isHeldByCurrentThread()
 * while held, and a whole uncontended cycle. The forked benchmark JVM opens the system named by the system
 * properties {@code bench.system} and {@code bench.ports} (set by {@link #run} from the driver's arguments).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class InProcessCosts {
  private LockSystem system;
  private Lock lock;

  @Setup(Level.Trial)
  public void open() {
    List<Integer> ports = Arrays.stream(System.getProperty("bench.ports").split(",")).map(Integer::valueOf).toList();
    system = LockSystemFactory.openAny(System.getProperty("bench.system"), new Target(ports, Target.DEFAULT_LEASE));
    lock = system.lock("bench-jmh");
  }

  @TearDown(Level.Trial)
  public void close() {
    system.close();
  }

  /** The outer hold around the benchmarks that need one; released after each iteration. */
  @State(Scope.Thread)
  public static class Held {
    Lock lock;

    @Setup(Level.Iteration)
    public void acquire(InProcessCosts costs) {
      lock = costs.lock;
      lock.lock();
    }

    @TearDown(Level.Iteration)
    public void release() {
      lock.unlock();
    }
  }

  @Benchmark
  public void reentry(Held held) {
    held.lock.lock();
    held.lock.unlock();
  }

  @Benchmark
  public Boolean isHeldByCurrentThread(Held held) {
    return system.isHeldByCurrentThread(held.lock);
  }

  @Benchmark
  public void uncontendedCycle() {
    lock.lock();
    lock.unlock();
  }

  static void run(Args args) throws RunnerException {
    List<String> wanted = List.of(args.text("benchmarks", "reentry,isHeldByCurrentThread,uncontendedCycle").split(","));
    List<String> benchmarks = new ArrayList<>();
    try (LockSystem probe = Driver.open(args)) {
      Lock lock = probe.lock("bench-jmh-probe");
      lock.lock();
      try {
        if (wanted.contains("uncontendedCycle")) {
          benchmarks.add("uncontendedCycle");
        }
        if (wanted.contains("reentry") && probe.reentrant()) {
          benchmarks.add("reentry");
        }
        if (wanted.contains("isHeldByCurrentThread") && probe.isHeldByCurrentThread(lock) != null) {
          benchmarks.add("isHeldByCurrentThread");
        }
      } finally {
        lock.unlock();
      }
    }
    if (benchmarks.isEmpty()) {
      throw new UnsupportedOperationException("none of " + wanted + " applies (no re-entry, no isHeldByCurrentThread)");
    }
    OptionsBuilder options = new OptionsBuilder();
    for (String benchmark : benchmarks) {
      options.include(InProcessCosts.class.getName() + "\\." + benchmark + "$");
    }
    Options built = options
        .forks(1)
        .warmupIterations((int) args.number("warmup-iterations", 2))
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations((int) args.number("iterations", 3))
        .measurementTime(TimeValue.seconds(1))
        .jvmArgsAppend("-Dbench.system=" + args.system(), "-Dbench.ports=" + args.text("ports", ""),
            "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
        .shouldFailOnError(true)
        .build();
    for (RunResult result : new Runner(built).run()) {
      String name = result.getParams().getBenchmark();
      Report.result("jmh." + name.substring(name.lastIndexOf('.') + 1) + "_ns", result.getPrimaryResult().getScore());
    }
  }
}
