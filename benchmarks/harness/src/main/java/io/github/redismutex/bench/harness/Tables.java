package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.ReadWriteMix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The report: one Markdown table per scenario, ratios against redis-mutex from the same run, and the targets. */
final class Tables {
  private static final String US = "redis-mutex";

  private final Map<String, Map<String, Map<String, String>>> results;
  private final Settings settings;
  private final Duration took;
  private final StringBuilder out = new StringBuilder();

  private final String measuredBuild;

  Tables(Map<String, Map<String, Map<String, String>>> results, Settings settings, Duration took,
      String measuredBuild) {
    this.results = results;
    this.settings = settings;
    this.took = took;
    this.measuredBuild = measuredBuild;
  }

  /** A column: its header, the figure it shows, and how many decimals. */
  private record Column(String header, String figure, int decimals) {}

  private static Column col(String header, String figure, int decimals) {
    return new Column(header, figure, decimals);
  }

  String render() {
    out.append("Run: ").append(settings.name()).append(settings.deploymentRun()
        ? " (redis-mutex and Redisson on the same cluster and Redlock servers)" : "").append(", ")
        .append(took.toSeconds()).append(" s; ")
        .append(machine()).append("; ").append(measuredBuild).append("\n\n");
    table("uncontended", "A. Uncontended lock()+unlock(), one thread (medians of " + settings.reps() + " reps)",
        List.of(col("cycles/s", "cycles_per_s", 0), col("p50 µs", "p50_us", 0), col("p99 µs", "p99_us", 0),
            col("commands/cycle", "commands_per_cycle", 2), col("round trips/cycle", "round_trips_per_cycle", 2),
            col("in scripts/cycle", "inner_commands_per_cycle", 2)),
        "cycles_per_s", true);
    table("reentry", "B. Re-entry: the inner lock()+unlock() while holding",
        List.of(col("ns/pair (loop)", "ns_per_pair", 0), col("commands/pair", "commands_per_pair", 2),
            col("round trips/pair", "round_trips_per_pair", 2)), null, false);
    table("jmh", "B'. JMH, in-process costs (ns/op, average)",
        List.of(col("re-entry pair", "jmh.reentry_ns", 1), col("isHeldByCurrentThread", "jmh.isHeldByCurrentThread_ns", 1),
            col("uncontended cycle", "jmh.uncontendedCycle_ns", 0)), null, false);
    List<Column> deposit = List.of(col("acquisitions/s", "acquisitions_per_s", 0), col("lost updates", "lost_updates", 0),
        col("min thread", "min_thread_acquisitions", 0), col("max thread", "max_thread_acquisitions", 0),
        col("min/max (median)", "min_over_max", 2));
    List<Column> depositOneJvm = new ArrayList<>(deposit);
    depositOneJvm.add(col("lock commands/acq.", "lock_commands_per_acquisition", 2));
    table("deposits", "C. 8 threads of one JVM on one name, deposit under the lock", depositOneJvm,
        "acquisitions_per_s", true);
    table("deposits-2jvm", "D. 2 JVMs x 4 threads on one name, deposit under the lock", deposit,
        "acquisitions_per_s", true);
    table("handover", "E. Hand-over: X unlocks at t0, Y (another client, blocked in lock()) returns at t1",
        List.of(col("p50 µs", "p50_us", 0), col("p99 µs", "p99_us", 0), col("max µs", "max_us", 0),
            col("this VM: thread wake-up p50 µs", "wakeup_p50_us", 0), col("PING p50 µs", "ping_p50_us", 0)),
        "p50_us", false);
    table("recovery", "F. Recovery: holder JVM SIGKILLed; waiter's acquisition minus the end of the lease",
        List.of(col("lease ms", "lease_ms", 0), col("median ms", "after_lease_end_ms", 1), col("min ms", "min_ms", 1),
            col("max ms", "max_ms", 1), col("before lease end", "early", 0), col("valid reps", "valid_reps", 0)),
        null, false);
    table("scale-names", "G1. One thread acquires, holds, releases " + settings.scaleNames() + " names",
        List.of(col("acquire all ms", "acquire_all_ms", 0), col("release all ms", "release_all_ms", 0),
            col("commands/acquire", "acquire_commands_per_lock", 2),
            col("commands/release", "release_commands_per_lock", 2),
            col("heap bytes/held lock", "heap_bytes_per_held_lock", 0)), null, false);
    table("scale-waiters", "G2. " + settings.scaleWaiters() + " threads waiting on as many names (held by another client)",
        List.of(col("pub/sub conns idle", "pubsub_connections_idle", 0),
            col("pub/sub conns waiting", "pubsub_connections_waiting", 0), col("channels", "channels", 0),
            col("patterns", "patterns", 0), col("clients", "clients", 0),
            col("commands/s while waiting", "commands_per_s_waiting", 1), col("acquired after", "waiters_acquired", 0)),
        null, false);
    table("scale-renewal", "G3. Lease renewal of " + settings.scaleNames() + " held locks",
        List.of(col("lease ms", "lease_ms", 0), col("ticks seen", "ticks", 0),
            col("top-level commands/tick", "round_trips_per_tick", 1),
            col("top-level commands/s", "round_trips_per_s", 1),
            col("commands/tick", "commands_per_tick", 1), col("still held", "still_held", 0)), null, false);
    manyNamesAndVirtualThreads();
    readWrite();
    if (settings.deploymentRun()) {
      deploymentRatios();
    } else {
      targets();
    }
    return out.toString();
  }

  private void manyNamesAndVirtualThreads() {
    table("many-names", "M. 2 JVMs x 16 threads, each acquisition on a random one of " + settings.manyNames()
        + " names, deposit under the lock",
        List.of(col("acquisitions/s", "acquisitions_per_s", 0), col("lost updates", "lost_updates", 0),
            col("lock commands/acq.", "lock_commands_per_acquisition", 2),
            col("min thread", "min_thread_acquisitions", 0), col("max thread", "max_thread_acquisitions", 0)),
        "acquisitions_per_s", true);
    table("virtual-threads", "V. " + settings.virtualThreads() + " virtual vs " + settings.platformThreads()
        + " platform threads on 20 names, deposit under the lock",
        List.of(col("driver Java", "virtual.java_version", 0),
            col("virtual acq./s", "virtual.acquisitions_per_s", 0),
            col("platform acq./s", "platform.acquisitions_per_s", 0),
            col("virtual ÷ platform", "virtual_over_platform", 2),
            col("lost (virtual)", "virtual.lost_updates", 0), col("lost (platform)", "platform.lost_updates", 0),
            col("pinned parks (virtual)", "virtual.pinned_events", 0),
            col("min thread (virtual)", "virtual.min_thread_acquisitions", 0),
            col("lock commands/acq. (virtual)", "virtual.lock_commands_per_acquisition", 2)),
        "virtual.acquisitions_per_s", true);
  }

  /** R: one table per mix, from the same run's figures prefixed with the mix's name. */
  private void readWrite() {
    for (ReadWriteMix mix : ReadWriteMix.ALL) {
      String p = mix.name() + ".";
      table("read-write", "R. " + mix.name() + ": 2 JVMs x 4 threads on one read-write lock, " + mix.readPercent()
          + " % reads (MGET of counter and mirror), the rest writes (counter +1, mirror set)",
          List.of(col("operations/s", p + "operations_per_s", 0), col("reads/s", p + "reads_per_s", 0),
              col("writes/s", p + "writes_per_s", 0), col("read p50 µs", p + "read_p50_us", 0),
              col("read p99 µs", p + "read_p99_us", 0), col("write p50 µs", p + "write_p50_us", 0),
              col("write p99 µs", p + "write_p99_us", 0), col("lost writes", p + "lost_writes", 0),
              col("torn reads", p + "torn_reads", 0), col("lock commands/op.", p + "lock_commands_per_operation", 2)),
          p + "operations_per_s", true);
    }
  }

  /** The deployments run's summary: per topology, redis-mutex's figure over Redisson's on the same servers. */
  private void deploymentRatios() {
    out.append("#### Deployments: redis-mutex ÷ Redisson on the same topology\n\n")
        .append("| topology | A cycles/s | C acquisitions/s | D acquisitions/s | E p50 (lower is better) ")
        .append("| E p99 (lower is better) |\n|---|---:|---:|---:|---:|---:|\n");
    // redis-mutex's rows, each against Redisson on the same servers (Redisson's cluster lock WAITs for a replica)
    for (String[] row : List.of(new String[] {"cluster", US + "-cluster", "redisson-cluster"},
        new String[] {"cluster, replicas acknowledge (WAIT 1)", US + "-acks-cluster", "redisson-cluster"},
        new String[] {"redlock3", US + "-redlock3", "redisson-redlock3"})) {
      out.append("| ").append(row[0]).append(" |");
      for (String[] figure : List.of(new String[] {"uncontended", "cycles_per_s"},
          new String[] {"deposits", "acquisitions_per_s"}, new String[] {"deposits-2jvm", "acquisitions_per_s"},
          new String[] {"handover", "p50_us"}, new String[] {"handover", "p99_us"})) {
        Double ours = number(figure[0], row[1], figure[1]);
        Double theirs = number(figure[0], row[2], figure[1]);
        out.append(' ').append(ours == null || theirs == null || theirs == 0 ? "–"
            : String.format(Locale.ROOT, "%.2f", ours / theirs)).append(" |");
      }
      out.append('\n');
    }
    out.append("\n| target | ratio | met |\n|---|---|---|\n");
    deploymentTarget("cluster: uncontended ≥ 2 × Redisson", "uncontended", "cycles_per_s", "cluster", 2.0, true);
    deploymentTarget("cluster: hand-over p50 ≤ 0.6 × Redisson", "handover", "p50_us", "cluster", 0.6, false);
    deploymentTarget("cluster: hand-over p99 ≤ 0.7 × Redisson", "handover", "p99_us", "cluster", 0.7, false);
    deploymentTarget("cluster with WAIT 1: uncontended ≥ 1.3 × Redisson", "uncontended", "cycles_per_s",
        "acks-cluster", 1.3, true);
    deploymentTarget("redlock3: hand-over p50 ≤ 0.6 × Redisson", "handover", "p50_us", "redlock3", 0.6, false);
    deploymentTarget("redlock3: hand-over p99 ≤ 0.7 × Redisson", "handover", "p99_us", "redlock3", 0.7, false);
    out.append('\n');
  }

  private void deploymentTarget(String label, String scenario, String figure, String ours, double factor,
      boolean higherIsBetter) {
    Double mine = number(scenario, US + "-" + ours, figure);
    String topology = ours.substring(ours.lastIndexOf('-') + 1);
    Double theirs = number(scenario, "redisson-" + topology, figure);
    Double ratio = mine == null || theirs == null || theirs == 0 ? null : mine / theirs;
    target(label, ratio == null ? null : fmt(mine, 0) + " vs " + fmt(theirs, 0) + ": " + fmt(ratio, 2),
        ratio == null ? null : higherIsBetter ? ratio >= factor : ratio <= factor);
  }

  /**
   * The redis-mutex row a row's ratio is taken against: the one-server redis-mutex; in the deployments run,
   * redis-mutex on the row's topology (the row's name after "redis-mutex-" or "redisson-").
   */
  private String oursFor(String system) {
    if (!settings.deploymentRun()) {
      return US;
    }
    // the topology is the name's last part: redis-mutex-acks-cluster is set against redis-mutex-cluster
    return US + "-" + system.substring(system.lastIndexOf('-') + 1);
  }

  /**
   * One table; {@code ratioFigure}, if set, adds the column "redis-mutex / row" for that figure (higher is better
   * when {@code higherIsBetter}, else lower is).
   */
  private void table(String scenario, String title, List<Column> columns, String ratioFigure, boolean higherIsBetter) {
    Map<String, Map<String, String>> bySystem = results.get(scenario);
    if (bySystem == null) {
      return;
    }
    out.append("#### ").append(title).append("\n\n| system |");
    columns.forEach(c -> out.append(' ').append(c.header()).append(" |"));
    if (ratioFigure != null) {
      out.append(" redis-mutex ÷ row").append(settings.deploymentRun() ? ", same topology" : "")
          .append(higherIsBetter ? "" : " (lower is better)").append(" |");
    }
    out.append("\n|---|");
    columns.forEach(c -> out.append("---:|"));
    out.append(ratioFigure != null ? "---:|\n" : "\n");
    for (Map.Entry<String, Map<String, String>> row : bySystem.entrySet()) {
      Map<String, String> figures = row.getValue();
      out.append("| ").append(row.getKey()).append(" |");
      if (figures.containsKey("error") || figures.containsKey("unavailable")) {
        String why = figures.containsKey("error") ? "error: " + figures.get("error")
            : "not available (" + figures.get("unavailable") + ")";
        out.append(' ').append(why.replace('|', '/')).append(" |");
        out.append(" |".repeat(columns.size() - 1 + (ratioFigure != null ? 1 : 0))).append('\n');
        continue;
      }
      for (Column c : columns) {
        out.append(' ').append(cell(figures.get(c.figure()), c.decimals())).append(" |");
      }
      if (ratioFigure != null) {
        Double ours = number(bySystem, oursFor(row.getKey()), ratioFigure);
        Double theirs = number(bySystem, row.getKey(), ratioFigure);
        out.append(' ').append(ours == null || theirs == null || theirs == 0 ? "–"
            : String.format(Locale.ROOT, "%.2f", ours / theirs)).append(" |");
      }
      out.append('\n');
    }
    bySystem.forEach((system, figures) -> {
      if (figures.containsKey("notes")) {
        out.append("\n").append(system).append(": ").append(figures.get("notes")).append('\n');
      }
    });
    out.append('\n');
  }

  /** The targets for redis-mutex, each with the figures it is judged on. */
  private void targets() {
    out.append("#### Targets (redis-mutex, single server; ratios from this run)\n\n| target | figure | met |\n|---|---|---|\n");
    Double roundTrips = number("uncontended", US, "round_trips_per_cycle");
    Double commands = number("uncontended", US, "commands_per_cycle");
    target("A: ≤ 2 round trips and ≤ 4 commands per uncontended cycle",
        roundTrips == null || commands == null ? null : String.format(Locale.ROOT, "%.2f round trips, %.2f commands",
            roundTrips, commands),
        roundTrips == null || commands == null ? null : roundTrips <= 2.001 && commands <= 4.001);
    ratioTarget("A: cycles/s ≥ 1.4 × Redisson", "uncontended", "cycles_per_s", List.of("redisson"), 1.4, true);
    ratioTarget("A: cycles/s ≥ Spring (best of PUB_SUB, SPIN)", "uncontended", "cycles_per_s",
        List.of("spring-pubsub", "spring-spin"), 1.0, true);
    Double reentry = number("reentry", US, "commands_per_pair");
    target("B: re-entry costs 0 Redis commands", reentry == null ? null : fmt(reentry, 3) + " commands/pair",
        reentry == null ? null : reentry == 0);
    List<String> peers = List.of("redisson", "spring-pubsub", "spring-spin", "floor");
    for (String scenario : List.of("deposits", "deposits-2jvm")) {
      String label = scenario.equals("deposits") ? "C" : "D";
      double factor = scenario.equals("deposits") ? 1.25 : 2.0;
      ratioTarget(label + ": throughput ≥ " + factor + " × best peer", scenario, "acquisitions_per_s", peers, factor,
          true);
      Double lost = number(scenario, US, "lost_updates");
      target(label + ": zero lost updates", lost == null ? null : fmt(lost, 0), lost == null ? null : lost == 0);
      // Starvation is judged within each repetition (all threads ran over the same seconds), by the worst one:
      // comparing threads of different repetitions would measure the machine's drift between them instead.
      Double worst = number(scenario, US, "worst_min_over_max");
      target(label + ": slowest thread ≥ 1/3 of fastest (worst repetition)",
          worst == null ? null : "min/max " + fmt(worst, 2), worst == null ? null : worst * 3 >= 1);
    }
    Double c = number("deposits", US, "acquisitions_per_s");
    Double d = number("deposits-2jvm", US, "acquisitions_per_s");
    target("D: ≥ 0.4 × our own C", c == null || d == null ? null
        : String.format(Locale.ROOT, "%s vs C %s: ratio %.2f", fmt(d, 0), fmt(c, 0), d / c),
        c == null || d == null ? null : d / c >= 0.4);
    ratioTarget("E: hand-over p50 ≤ 0.5 × Redisson", "handover", "p50_us", List.of("redisson"), 0.5, false);
    ratioTarget("E: hand-over p99 ≤ Redisson", "handover", "p99_us", List.of("redisson"), 1.0, false);
    ratioTarget("M: ≥ 0.95 × the naive floor", "many-names", "acquisitions_per_s", List.of("floor"), 0.95, true);
    ratioTarget("M: ≥ 3 × Redisson", "many-names", "acquisitions_per_s", List.of("redisson"), 3.0, true);
    Double manyCommands = number("many-names", US, "lock_commands_per_acquisition");
    target("M: ≤ 4 lock commands per acquisition", manyCommands == null ? null : fmt(manyCommands, 2),
        manyCommands == null ? null : manyCommands <= 4.05); // the second JVM's window is within 1 ms of the first's
    Double virtual = number("virtual-threads", US, "virtual_over_platform");
    target("V: virtual threads ≥ platform threads", virtual == null ? null : "ratio " + fmt(virtual, 2),
        virtual == null ? null : virtual >= 1.0);
    ratioTarget("V: virtual threads ≥ 3 × Redisson's", "virtual-threads", "virtual.acquisitions_per_s",
        List.of("redisson"), 3.0, true);
    Double after = number("recovery", US, "after_lease_end_ms");
    Double early = number("recovery", US, "early");
    target("F: waiter acquires ≤ 50 ms (p50) after the lease ends, never before",
        after == null ? null : fmt(after, 1) + " ms median, " + fmt(early, 0) + " early",
        after == null ? null : after <= 50 && early == 0);
    Double pubsub = number("scale-waiters", US, "pubsub_connections_waiting");
    Double waitingCommands = number("scale-waiters", US, "commands_per_s_waiting");
    target("G: one pub/sub connection per RedisLocks (holder's and waiters' instances: ≤ 2 in all)",
        pubsub == null ? null : fmt(pubsub, 0) + " pub/sub connections", pubsub == null ? null : pubsub <= 2);
    target("G: no commands while waiters wait", waitingCommands == null ? null : fmt(waitingCommands, 1)
        + " commands/s", waitingCommands == null ? null : waitingCommands == 0);
    Double perTick = number("scale-renewal", US, "round_trips_per_tick");
    long allowed = (settings.scaleNames() + 99) / 100;
    target("G: renewal of N held locks ≤ ceil(N/100) requests per tick", perTick == null ? null
        : fmt(perTick, 1) + " per tick for N = " + settings.scaleNames() + " (≤ " + allowed + ")",
        perTick == null ? null : perTick <= allowed);
    out.append('\n');
  }

  private void ratioTarget(String label, String scenario, String figure, List<String> peers, double factor,
      boolean higherIsBetter) {
    Double ours = number(scenario, US, figure);
    Double best = null;
    String bestPeer = null;
    for (String peer : peers) {
      Double theirs = number(scenario, peer, figure);
      if (theirs != null && (best == null || (higherIsBetter ? theirs > best : theirs < best))) {
        best = theirs;
        bestPeer = peer;
      }
    }
    if (ours == null || best == null) {
      target(label, null, null);
      return;
    }
    double ratio = ours / best;
    target(label, String.format(Locale.ROOT, "%s vs %s %s: ratio %.2f", fmt(ours, 0), bestPeer, fmt(best, 0), ratio),
        higherIsBetter ? ratio >= factor : ratio <= factor);
  }

  private void target(String label, String figure, Boolean met) {
    out.append("| ").append(label).append(" | ").append(figure == null ? "not measured" : figure).append(" | ")
        .append(met == null ? "–" : met ? "yes" : "**no**").append(" |\n");
  }

  private Double number(String scenario, String system, String figure) {
    Map<String, Map<String, String>> bySystem = results.get(scenario);
    return bySystem == null ? null : number(bySystem, system, figure);
  }

  private static Double number(Map<String, Map<String, String>> bySystem, String system, String figure) {
    Map<String, String> figures = bySystem.get(system);
    String value = figures == null ? null : figures.get(figure);
    try {
      return value == null ? null : Double.valueOf(value);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static String cell(String value, int decimals) {
    if (value == null) {
      return "–";
    }
    try {
      return fmt(Double.parseDouble(value), decimals);
    } catch (NumberFormatException e) {
      return value.replace('|', '/');
    }
  }

  private static String fmt(double value, int decimals) {
    return String.format(Locale.ROOT, "%." + decimals + "f", value);
  }

  /** The machine and Redis the figures come from. */
  private static String machine() {
    String cpu = "unknown CPU";
    try {
      cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
    } catch (IOException ignored) {
      // not Linux: the CPU stays unnamed
    }
    return String.format(Locale.ROOT, "%d cores (%s), %s %s, Java %s, %s", Runtime.getRuntime().availableProcessors(),
        cpu, System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
        redisVersion());
  }

  /** The value after {@code name} in redis-server --version's "v=7.0.15 ... malloc=jemalloc-5.3.0 ..." line. */
  private static String field(String version, String name) {
    int at = version.indexOf(name);
    if (at < 0) {
      return "unknown";
    }
    int end = version.indexOf(' ', at);
    return version.substring(at + name.length(), end < 0 ? version.length() : end);
  }

  private static String redisVersion() {
    try {
      Process process = new ProcessBuilder(RedisBinary.path(), "--version").redirectErrorStream(true).start();
      String version = new String(process.getInputStream().readAllBytes()).trim();
      process.waitFor(10, TimeUnit.SECONDS);
      // the allocator too: embedded-redis's static build uses libc malloc, Debian's and Homebrew's jemalloc
      return "Redis " + field(version, "v=") + ", malloc " + field(version, "malloc=");
    } catch (IOException | InterruptedException | RuntimeException e) {
      return "Redis version unknown";
    }
  }
}
