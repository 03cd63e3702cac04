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
    int renewalTicks,
    int jmhIterations,
    String jmhBenchmarks) {

  static final List<String> SYSTEMS = List.of("redis-mutex", "redisson", "spring-pubsub", "spring-spin", "floor");
  /** redis-mutex's other deployments: rows A and E only (issue 7). */
  static final List<String> MODES = List.of("redis-mutex-cluster", "redis-mutex-redlock3", "redis-mutex-redlock5");
  static final List<String> SCENARIOS = List.of("uncontended", "reentry", "jmh", "deposits", "deposits-2jvm",
      "handover", "recovery", "scale-names", "scale-waiters", "scale-renewal");

  // A's own loop already times the whole cycle on every system; JMH adds the in-process operations only
  static final Settings FULL = new Settings("full", SYSTEMS, MODES, SCENARIOS,
      3, 1.5, 1, 2, 1, 100, 3, 1000, 5000, 100, 2, 3000, 3, 2, "reentry,isHeldByCurrentThread");

  static final Settings SMOKE = new Settings("smoke", SYSTEMS, MODES,
      List.of("uncontended", "reentry", "deposits", "handover", "recovery", "scale-waiters"),
      1, 0.3, 0.2, 0.5, 0.2, 10, 1, 1000, 200, 10, 0.5, 1500, 1, 1, "reentry");

  /** Spring's SPIN lock polls every 100 ms, so each of its hand-overs takes tens of ms: fewer rounds. */
  int handoverRoundsFor(String system) {
    return system.equals("spring-spin") ? Math.max(10, handoverRounds / 3) : handoverRounds;
  }

  Settings only(List<String> only) {
    return new Settings(name, systems, modes, only, reps, uncontendedSeconds, reentrySeconds, depositSeconds,
        warmupSeconds, handoverRounds, recoveryReps, recoveryLeaseMillis, scaleNames, scaleWaiters, waitingSeconds,
        renewalLeaseMillis, renewalTicks, jmhIterations, jmhBenchmarks);
  }

  /** JMH: the in-process operations that only the re-entrant libraries with isHeldByCurrentThread have. */
  static final List<String> JMH_SYSTEMS = List.of("redis-mutex", "redisson");

  /** Which systems run a scenario: everything in the full run; in the smoke run, peers only for A. */
  List<String> systemsFor(String scenario) {
    if (scenario.equals("jmh")) {
      return JMH_SYSTEMS;
    }
    List<String> all = new java.util.ArrayList<>(systems);
    if (scenario.equals("uncontended") || scenario.equals("handover")) {
      all.addAll(modes);
    }
    if (scenario.equals("recovery")) {
      all.add(1, "redis-mutex-keyspace"); // what keyspace notifications (off by default) add to a recovery
    }
    if (name.equals("smoke") && !scenario.equals("uncontended")) {
      return scenario.equals("deposits") ? List.of("redis-mutex", "floor") : List.of("redis-mutex");
    }
    return all;
  }
}
