package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.BenchKeys;
import io.github.redismutex.bench.ReadWriteFigures;
import io.github.redismutex.bench.ReadWriteMix;
import io.github.redismutex.bench.Resp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * R: the read-write scenario from two worker JVMs of {@link #THREADS} threads each (D's shape), every mix of
 * {@link ReadWriteMix#ALL} in turn on the same servers. Per mix and repetition the harness adds up both JVMs'
 * reads, writes and torn reads and reads the counter itself; the commands and the latency percentiles are the first
 * JVM's. Figures are prefixed with the mix's name, e.g. {@code read-mostly.operations_per_s}.
 */
final class ReadWriteRuns {
  private static final int THREADS = 4;
  /** The first JVM's acquisition-latency figures, copied as they are (medians over its repetitions). */
  private static final List<String> LATENCIES = List.of("read_p50_us", "read_p99_us", "write_p50_us", "write_p99_us");

  private final Harness harness;
  private final Settings settings;

  ReadWriteRuns(Harness harness, Settings settings) {
    this.harness = harness;
    this.settings = settings;
  }

  Map<String, String> run(String system) {
    int reps = settings.reps();
    double seconds = settings.depositSeconds();
    try (RedisServers servers = harness.serversFor(system)) {
      List<Map<String, String>> reports = WorkerJvms.run(harness, "read-write", system, servers,
          List.of("read-write-worker", "--threads", Harness.str(THREADS), "--reps", Harness.str(reps),
              "--seconds", Harness.str(seconds), "--warmup-seconds", Harness.str(settings.warmupSeconds())));
      Map<String, String> figures = new LinkedHashMap<>();
      for (ReadWriteMix mix : ReadWriteMix.ALL) {
        ReadWriteFigures mixFigures = new ReadWriteFigures(reps, seconds);
        for (int rep = 0; rep < reps; rep++) {
          addRepetition(mixFigures, mix, rep, reports, servers);
        }
        mixFigures.figures().forEach((name, value) -> figures.put(mix.name() + "." + name, value));
        for (String latency : LATENCIES) {
          figures.put(mix.name() + "." + latency, reports.get(0).get(mix.name() + "." + latency));
        }
      }
      return figures;
    }
  }

  private static void addRepetition(ReadWriteFigures figures, ReadWriteMix mix, int rep,
      List<Map<String, String>> reports, RedisServers servers) {
    String suffix = ".rep" + rep;
    long reads = sum(reports, mix.name() + ".reads" + suffix);
    long writes = sum(reports, mix.name() + ".writes" + suffix);
    long torn = sum(reports, mix.name() + ".torn" + suffix);
    String counterKey = mix.counterKey(mix.run("rep" + rep));
    try (Resp resp = new Resp(BenchKeys.portOf(servers.ports, counterKey))) {
      String counter = resp.string("GET", counterKey);
      String commands = reports.get(0).get(mix.name() + ".commands" + suffix);
      figures.add(reads, writes, torn, counter == null ? 0 : Long.parseLong(counter),
          commands == null ? null : Long.valueOf(commands));
    }
  }

  private static long sum(List<Map<String, String>> reports, String figure) {
    return reports.stream().mapToLong(report -> Long.parseLong(report.get(figure))).sum();
  }
}
