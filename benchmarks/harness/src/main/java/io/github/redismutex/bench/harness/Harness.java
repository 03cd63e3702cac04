package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.Report;
import io.github.redismutex.bench.Resp;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The benchmark runner: {@code java -jar benchmarks/harness/target/benchmarks.jar --full} (or {@code --smoke}).
 * For every scenario and system it starts fresh Redis servers and the system's driver JVM(s), collects what they
 * report, and at the end prints the tables (Markdown) and writes them to {@code benchmarks/harness/target/}.
 */
public final class Harness {
  private final Settings settings;
  private final Path benchmarks;
  private final Path logs;
  /** scenario -> system -> figure name -> value */
  private final Map<String, Map<String, Map<String, String>>> results = new LinkedHashMap<>();
  private final DepositRuns depositRuns;
  private final ReadWriteRuns readWriteRuns;
  private int failures;

  private Harness(Settings settings, Path benchmarks) {
    this.settings = settings;
    this.benchmarks = benchmarks;
    this.depositRuns = new DepositRuns(this, settings);
    this.readWriteRuns = new ReadWriteRuns(this, settings);
    this.logs = benchmarks.resolve("harness/target/bench-logs/"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + "-" + settings.name());
  }

  public static void main(String[] argv) throws IOException, URISyntaxException {
    List<String> args = Arrays.asList(argv);
    Settings settings = args.contains("--full") ? Settings.FULL : args.contains("--smoke") ? Settings.SMOKE : null;
    if (settings == null) {
      System.err.println("usage: java -jar benchmarks.jar --smoke | --full [--deployments] [--only scenario,...]");
      System.exit(2);
    }
    if (args.contains("--deployments")) {
      settings = settings.deployments();
    }
    int only = args.indexOf("--only");
    if (only >= 0) {
      settings = settings.only(List.of(args.get(only + 1).split(",")));
    }
    Runtime.getRuntime().addShutdownHook(new Thread(
        () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly), "bench-child-cleanup"));
    // .../benchmarks/harness/target/benchmarks.jar -> .../benchmarks
    Path jar = Path.of(Harness.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Harness harness = new Harness(settings, jar.getParent().getParent().getParent());
    long start = System.nanoTime();
    harness.runAll();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    String tables = new Tables(harness.results, settings, took, harness.measuredBuild()).render();
    System.out.println(tables);
    Path out = harness.benchmarks.resolve("harness/target/benchmark-results-" + settings.name() + ".md");
    Files.writeString(out, tables);
    System.out.println("written to " + out + "; driver logs in " + harness.logs);
    System.exit(harness.failures == 0 ? 0 : 1);
  }

  private void runAll() {
    for (String scenario : settings.scenarios()) {
      for (String system : settings.systemsFor(scenario)) {
        long start = System.nanoTime();
        Map<String, String> figures;
        try {
          figures = run(scenario, system);
        } catch (UnsupportedOperationException e) {
          figures = Map.of("unavailable", String.valueOf(e.getMessage()));
        } catch (RuntimeException e) {
          failures++;
          figures = Map.of("error", String.valueOf(e.getMessage()));
        }
        results.computeIfAbsent(scenario, s -> new LinkedHashMap<>()).put(system, figures);
        System.err.printf("%-14s %-22s %5.1f s  %s%n", scenario, system, (System.nanoTime() - start) / 1e9,
            figures.containsKey("error") ? "ERROR " + figures.get("error")
                : figures.containsKey("unavailable") ? "not available: " + figures.get("unavailable") : "ok");
      }
    }
  }

  private Map<String, String> run(String scenario, String system) {
    return switch (scenario) {
      case "deposits-2jvm" -> depositRuns.twoJvms(system);
      case "many-names" -> depositRuns.manyNames(system);
      case "virtual-threads" -> depositRuns.virtualThreads(system);
      case "read-write" -> readWriteRuns.run(system);
      case "recovery" -> recovery(system);
      default -> oneDriver(scenario, system);
    };
  }

  private Map<String, String> oneDriver(String scenario, String system) {
    List<String> args = new ArrayList<>();
    long timeout = 120;
    switch (scenario) {
      case "uncontended" -> args.addAll(List.of("--reps", str(settings.reps()),
          "--seconds", str(settings.uncontendedSeconds()), "--warmup-seconds", str(settings.warmupSeconds())));
      case "reentry" -> args.addAll(List.of("--reps", str(settings.reps()),
          "--seconds", str(settings.reentrySeconds()), "--warmup-seconds", str(settings.warmupSeconds())));
      case "deposits" -> args.addAll(List.of("--threads", "8", "--reps", str(settings.reps()),
          "--seconds", str(settings.depositSeconds()), "--warmup-seconds", str(settings.warmupSeconds())));
      case "handover" -> {
        args.addAll(List.of("--reps", str(settings.reps()), "--rounds", str(settings.handoverRoundsFor(system)),
            "--block-ms", "10"));
        timeout = 300;
      }
      case "scale-names" -> args.addAll(List.of("--names", str(settings.scaleNames())));
      case "scale-waiters" -> args.addAll(List.of("--waiters", str(settings.scaleWaiters()),
          "--seconds", str(settings.waitingSeconds())));
      case "scale-renewal" -> args.addAll(List.of("--names", str(settings.scaleNames()),
          "--lease-ms", str(settings.renewalLeaseMillis()), "--ticks", str(settings.renewalTicks())));
      case "jmh" -> args.addAll(List.of("--iterations", str(settings.jmhIterations()), "--warmup-iterations", "1",
          "--benchmarks", settings.jmhBenchmarks()));
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    }
    try (RedisServers servers = serversFor(system)) {
      args.addAll(0, List.of(scenario, "--system", system, "--ports", ports(servers)));
      try (DriverProcess driver = new DriverProcess(jarOf(system), system, logOf(scenario, system), args)) {
        return unavailableOrFigures(driver.finish(timeout));
      }
    }
  }

  /**
   * F: per repetition, a holder JVM takes the lock and a waiter JVM blocks on it; the holder is SIGKILLed, the key's
   * PTTL read at once gives the end of the lease, and the waiter reports when it acquired.
   */
  private Map<String, String> recovery(String system) {
    int reps = settings.recoveryReps();
    long lease = settings.recoveryLeaseMillis();
    List<Double> delays = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    try (RedisServers servers = serversFor(system); Resp resp = new Resp(servers.ports.get(0))) {
      for (int rep = 0; rep < reps; rep++) {
        List<String> args = List.of("--system", system, "--ports", ports(servers), "--lease-ms", str(lease),
            "--name", "bench-recovery-" + rep);
        List<String> holderArgs = new ArrayList<>(List.of("recovery-holder"));
        holderArgs.addAll(args);
        List<String> waiterArgs = new ArrayList<>(List.of("recovery-waiter"));
        waiterArgs.addAll(args);
        Path log = logOf("recovery", system);
        try (DriverProcess holder = new DriverProcess(jarOf(system), system + "-holder", log, holderArgs);
            DriverProcess waiter = new DriverProcess(jarOf(system), system + "-waiter", log, waiterArgs)) {
          holder.await("held", 60);
          String key = waiter.await("key", 60);
          waiter.await("waiting", 60);
          RedisServers.sleep(300); // the waiter is now blocked in lock()
          holder.kill();
          long pttl = resp.number("PTTL", key);
          long leaseEnd = epochMicros() + pttl * 1000;
          if (pttl < 0) {
            notes.add("rep " + rep + ": key already gone at the kill (PTTL " + pttl + ")");
            waiter.finish(60);
            continue;
          }
          long acquired = Long.parseLong(waiter.await("acquired_epoch_us", 60 + lease / 1000));
          waiter.finish(30);
          delays.add((acquired - leaseEnd) / 1000.0);
        }
      }
    }
    Map<String, String> figures = new LinkedHashMap<>();
    figures.put("lease_ms", str(lease));
    if (!delays.isEmpty()) {
      double[] values = delays.stream().mapToDouble(Double::doubleValue).toArray();
      figures.put("after_lease_end_ms", fmt(Report.median(values)));
      figures.put("after_lease_end_ms.reps", join(values));
      figures.put("min_ms", fmt(Arrays.stream(values).min().orElseThrow()));
      figures.put("max_ms", fmt(Arrays.stream(values).max().orElseThrow()));
      // PTTL has millisecond resolution and is read a little after the kill: up to ~1 ms early is measurement
      figures.put("early", Long.toString(Arrays.stream(values).filter(v -> v < -1.5).count()));
    }
    figures.put("valid_reps", delays.size() + "/" + reps);
    if (!notes.isEmpty()) {
      figures.put("notes", String.join("; ", notes));
    }
    return figures;
  }

  static Map<String, String> unavailableOrFigures(Map<String, String> figures) {
    if (figures.containsKey("unavailable")) {
      throw new UnsupportedOperationException(figures.get("unavailable"));
    }
    return figures;
  }

  /** Redis-mutex's and Redisson's cluster rows share one topology, as do their redlock3 rows. */
  RedisServers serversFor(String system) {
    if (system.endsWith("-cluster")) {
      return RedisServers.cluster();
    }
    if (system.endsWith("-redlock3")) {
      return RedisServers.standalone(3);
    }
    return RedisServers.standalone(system.endsWith("-redlock5") ? 5 : 1);
  }

  Path jarOf(String system) {
    String driver = system.startsWith("redis-mutex") ? "redis-mutex"
        : system.startsWith("redisson") ? "redisson" : system.startsWith("spring") ? "spring" : system;
    Path jar = benchmarks.resolve("driver-" + driver + "/target/driver-" + driver + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build with mvn -B -q -pl benchmarks/harness -am package");
    }
    return jar;
  }

  /**
   * Which redis-mutex the figures are of: a digest of the library's classes and scripts inside the driver jar, so
   * that figures of two builds (two branches, before and after a change) are never taken for one another.
   */
  String measuredBuild() {
    try (ZipFile jar = new ZipFile(jarOf("redis-mutex").toFile())) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      List<? extends ZipEntry> entries = jar.stream()
          .filter(e -> e.getName().startsWith("io/github/redismutex/") && !e.getName().contains("/bench/"))
          .sorted(Comparator.comparing(ZipEntry::getName)).toList();
      for (ZipEntry entry : entries) {
        digest.update(entry.getName().getBytes(StandardCharsets.UTF_8));
        try (InputStream in = jar.getInputStream(entry)) {
          digest.update(in.readAllBytes());
        }
      }
      return "redis-mutex build " + HexFormat.of().formatHex(digest.digest()).substring(0, 12)
          + " (" + entries.size() + " classes and scripts)";
    } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
      return "redis-mutex build unknown (" + e.getMessage() + ")";
    }
  }

  Path logOf(String scenario, String system) {
    return logs.resolve(scenario + "-" + system + ".log");
  }

  static String ports(RedisServers servers) {
    return String.join(",", servers.ports.stream().map(String::valueOf).toList());
  }

  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }

  static String str(double value) {
    return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
  }

  static String fmt(double value) {
    return String.format(java.util.Locale.ROOT, "%.3f", value);
  }

  private static String join(double[] values) {
    return String.join(",", Arrays.stream(values).mapToObj(Harness::fmt).toList());
  }
}
