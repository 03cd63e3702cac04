package io.github.redismutex.bench.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The worker JVMs of a cross-process scenario (D, M, R): {@link #COUNT} driver JVMs of one system on the same
 * servers, each told how many there are and which one it is ({@code --jvms}, {@code --jvm}; they meet at barriers in
 * Redis), run to the end; what each reported, the first JVM's first.
 */
final class WorkerJvms {
  static final int COUNT = 2;
  private static final long TIMEOUT_SECONDS = 180;

  private WorkerJvms() {}

  /** {@code arguments}: the worker's scenario and its own options; system, ports and JVM numbers are added here. */
  static List<Map<String, String>> run(Harness harness, String scenario, String system, RedisServers servers,
      List<String> arguments) {
    List<Map<String, String>> reports = new ArrayList<>();
    List<DriverProcess> workers = new ArrayList<>();
    try {
      for (int jvm = 0; jvm < COUNT; jvm++) {
        List<String> args = new ArrayList<>(arguments);
        args.addAll(List.of("--system", system, "--ports", Harness.ports(servers), "--jvms", Harness.str(COUNT),
            "--jvm", Harness.str(jvm)));
        workers.add(new DriverProcess(harness.jarOf(system), system + "-jvm" + jvm, harness.logOf(scenario, system),
            args));
      }
      for (DriverProcess worker : workers) {
        reports.add(Harness.unavailableOrFigures(worker.finish(TIMEOUT_SECONDS)));
      }
    } finally {
      workers.forEach(DriverProcess::close);
    }
    return reports;
  }
}
