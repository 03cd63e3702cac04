package io.github.redismutex.bench.harness;

import java.util.List;

/**
 * How long and how often each scenario runs. {@link #FULL} is the published run (under 10 minutes on 2 cores);
 * {@link #SMOKE} only proves every moving part still works (CI, well under a minute).
 */
record Settings(
    String name,
    List<String> systems,
    List<String> modes,
    List<String> scenarios,
    int reps,
    double uncontendedSeconds,
    double reentrySeconds,
    double depositSeconds,
    double warmupSeconds,
    int handoverRounds,
    int recoveryReps,
    long recoveryLeaseMillis,
    int scaleNames,
    int scaleWaiters,
    double waitingSeconds,
    long renewalLeaseMillis,
    int jmhIterations) {

  static final List<String> SYSTEMS = List.of("redis-mutex", "redisson", "spring-pubsub", "spring-spin", "floor");
  /** redis-mutex's other deployments: rows A and E only (issue 7). */
  static final List<String> MODES = List.of("redis-mutex-cluster", "redis-mutex-redlock3", "redis-mutex-redlock5");
  static final List<String> SCENARIOS = List.of("uncontended", "reentry", "jmh", "deposits", "deposits-2jvm",
      "handover", "recovery", "scale-names", "scale-waiters", "scale-renewal");

  static final Settings FULL = new Settings("full", SYSTEMS, MODES, SCENARIOS,
      3, 1.5, 1, 2.5, 1, 100, 3, 2000, 5000, 100, 2, 3000, 2);

  static final Settings SMOKE = new Settings("smoke", SYSTEMS, MODES,
      List.of("uncontended", "reentry", "deposits", "handover", "recovery", "scale-waiters"),
      1, 0.3, 0.2, 0.5, 0.2, 10, 1, 1000, 200, 10, 0.5, 1500, 1);

  /** Which systems run a scenario: everything in the full run; in the smoke run, peers only for A. */
  List<String> systemsFor(String scenario) {
    List<String> all = new java.util.ArrayList<>(systems);
    if (scenario.equals("uncontended") || scenario.equals("handover")) {
      all.addAll(modes);
    }
    if (this == SMOKE && !scenario.equals("uncontended")) {
      return scenario.equals("deposits") ? List.of("redis-mutex", "floor") : List.of("redis-mutex");
    }
    return all;
  }
}
