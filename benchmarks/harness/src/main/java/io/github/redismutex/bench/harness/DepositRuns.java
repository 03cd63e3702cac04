package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.BenchKeys;
import io.github.redismutex.bench.DepositFigures;
import io.github.redismutex.bench.Resp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The deposit scenarios the harness puts together from several driver JVMs: D and M from the counts of two worker
 * JVMs over the same windows and the balances the harness reads itself; V from one driver JVM per kind of thread,
 * on a JDK that has virtual threads.
 */
final class DepositRuns {
  /** Where V's JDK is, in this order: the system property, the environment variable, Temurin 25's Debian path. */
  static final String VIRTUAL_THREADS_JAVA_PROPERTY = "bench.virtual-threads.java";
  static final String VIRTUAL_THREADS_JAVA_ENV = "BENCH_VIRTUAL_THREADS_JAVA";
  static final String VIRTUAL_THREADS_JAVA_DEFAULT = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java";
  /** V's names: 2,000 virtual threads are 100 waiters per name. */
  private static final int VIRTUAL_THREAD_NAMES = 20;

  private final Harness harness;
  private final Settings settings;

  DepositRuns(Harness harness, Settings settings) {
    this.harness = harness;
    this.settings = settings;
  }

  /** D: two JVMs of four threads each on one account. */
  Map<String, String> twoJvms(String system) {
    return workers("deposits-2jvm", "deposits-worker", system, 4, BenchKeys.accounts(1));
  }

  /** M: two JVMs of 16 threads each, every acquisition on a name drawn uniformly from {@code manyNames}. */
  Map<String, String> manyNames(String system) {
    return workers("many-names", "many-names-worker", system, 16, BenchKeys.accounts(settings.manyNames()));
  }

  /**
   * Runs the {@link WorkerJvms} of {@code threads} threads on the accounts {@code names}; per repetition,
   * adds up their counts, reads the balances and takes the commands the first JVM counted in its window.
   */
  private Map<String, String> workers(String scenario, String workerScenario, String system, int threads,
      String[] names) {
    int reps = settings.reps();
    double seconds = settings.depositSeconds();
    try (RedisServers servers = harness.serversFor(system)) {
      List<Map<String, String>> reports = WorkerJvms.run(harness, scenario, system, servers,
          List.of(workerScenario, "--threads", Harness.str(threads), "--names", Harness.str(names.length),
              "--reps", Harness.str(reps), "--seconds", Harness.str(seconds),
              "--warmup-seconds", Harness.str(settings.warmupSeconds())));
      DepositFigures figures = new DepositFigures(reps, seconds);
      for (int rep = 0; rep < reps; rep++) {
        String counted = "counts.rep" + rep;
        long[] counts = reports.stream()
            .flatMapToLong(report -> Arrays.stream(report.get(counted).split(",")).mapToLong(Long::parseLong))
            .toArray();
        List<String> balances = BenchKeys.balances("rep" + rep, names);
        try (Resp resp = new Resp(BenchKeys.portOf(servers.ports, balances.get(0)))) {
          String commands = reports.get(0).get("commands.rep" + rep);
          figures.add(counts, BenchKeys.sum(resp, balances), commands == null ? null : Long.valueOf(commands));
        }
      }
      return figures.figures();
    }
  }

  /**
   * V: one driver JVM with virtual threads and one with platform threads, each on fresh servers; their figures
   * prefixed {@code virtual.} and {@code platform.}, and the ratio of their throughputs.
   */
  Map<String, String> virtualThreads(String system) {
    String java = virtualThreadsJava();
    Map<String, String> figures = new LinkedHashMap<>();
    for (String kind : List.of("virtual", "platform")) {
      int threads = kind.equals("virtual") ? settings.virtualThreads() : settings.platformThreads();
      try (RedisServers servers = harness.serversFor(system)) {
        List<String> args = List.of("virtual-threads", "--system", system, "--ports", Harness.ports(servers),
            "--thread-kind", kind, "--threads", Harness.str(threads), "--names", Harness.str(VIRTUAL_THREAD_NAMES),
            "--reps", Harness.str(settings.reps()), "--seconds", Harness.str(settings.depositSeconds()),
            "--warmup-seconds", Harness.str(settings.warmupSeconds()));
        Path log = harness.logOf("virtual-threads", system);
        try (DriverProcess driver = new DriverProcess(java, harness.jarOf(system), system + "-" + kind, log, args)) {
          Harness.unavailableOrFigures(driver.finish(180)).forEach((name, value) -> {
            if (name.equals("notes")) {
              figures.merge(name, kind + " threads: " + value, (a, b) -> a + "; " + b);
            } else {
              figures.put(kind + "." + name, value);
            }
          });
        }
      }
    }
    double virtual = Double.parseDouble(figures.get("virtual.acquisitions_per_s"));
    double platform = Double.parseDouble(figures.get("platform.acquisitions_per_s"));
    figures.put("virtual_over_platform", platform == 0 ? "–" : String.format(Locale.ROOT, "%.3f", virtual / platform));
    return figures;
  }

  /** The java binary of V's driver JVMs; a clear failure where there is none, never a silent skip. */
  static String virtualThreadsJava() {
    String configured = System.getProperty(VIRTUAL_THREADS_JAVA_PROPERTY, System.getenv(VIRTUAL_THREADS_JAVA_ENV));
    String java = configured == null || configured.isBlank() ? VIRTUAL_THREADS_JAVA_DEFAULT : configured;
    if (!Files.isExecutable(Path.of(java))) {
      throw new IllegalStateException("virtual-threads needs a JDK 21+ java binary, and " + java + " is none: set -D"
          + VIRTUAL_THREADS_JAVA_PROPERTY + "=/path/to/jdk/bin/java or " + VIRTUAL_THREADS_JAVA_ENV);
    }
    return java;
  }
}
