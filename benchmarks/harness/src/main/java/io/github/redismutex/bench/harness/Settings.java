package io.github.redismutex.bench.harness;

import java.util.List;

/**
 * How long and how often each scenario runs. {@link #FULL} is the published run (under 10 minutes on 2 cores);
 * {@link #SMOKE} only proves every moving part still works (CI, well under a minute). Either becomes the
 * deployments run with {@link #deployments()}, a run of its own so that each stays within 10 minutes.
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
    String jmhBenchmarks,
    int manyNames,
    int virtualThreads,
    int platformThreads) {

  static final List<String> SYSTEMS = List.of("redis-mutex", "redisson", "spring-pubsub", "spring-spin", "floor");
  /** redis-mutex's other deployments: rows A and E only (issue 7). */
  static final List<String> MODES = List.of("redis-mutex-cluster", "redis-mutex-redlock3", "redis-mutex-redlock5");
  static final List<String> SCENARIOS = List.of("uncontended", "reentry", "jmh", "deposits", "deposits-2jvm",
      "handover", "recovery", "scale-names", "scale-waiters", "scale-renewal", "many-names", "virtual-threads", "read-write");
  /**
   * The deployments run ({@code --deployments}): redis-mutex and Redisson on the same cluster and on the same three
   * independent servers, each pair in A, C, D and E; redlock5, which Redisson has no counterpart of, in A and E.
   */
  static final List<String> DEPLOYMENTS =
      List.of("redis-mutex-cluster", "redis-mutex-acks-cluster", "redisson-cluster", "redis-mutex-redlock3",
          "redisson-redlock3");
  static final List<String> DEPLOYMENT_SCENARIOS = List.of("uncontended", "deposits", "deposits-2jvm", "handover");
  /** V: the re-entrant libraries that an application on virtual threads would pick. */
  static final List<String> VIRTUAL_THREAD_SYSTEMS = List.of("redis-mutex", "redisson");

  // A's own loop already times the whole cycle on every system; JMH adds the in-process operations only
  static final Settings FULL = new Settings("full", SYSTEMS, MODES, SCENARIOS,
      3, 1.5, 1, 2, 1, 100, 3, 1000, 5000, 100, 2, 3000, 3, 2, "reentry,isHeldByCurrentThread", 10_000, 2000, 200);

  static final Settings SMOKE = new Settings("smoke", SYSTEMS, MODES,
      List.of("uncontended", "reentry", "deposits", "handover", "recovery", "scale-waiters", "many-names",
          "virtual-threads", "read-write"),
      1, 0.3, 0.2, 0.5, 0.2, 10, 1, 1000, 200, 10, 0.5, 1500, 1, 1, "reentry", 1000, 500, 50);

  /** Spring's SPIN lock polls every 100 ms, so each of its hand-overs takes tens of ms: fewer rounds. */
  int handoverRoundsFor(String system) {
    return system.equals("spring-spin") ? Math.max(10, handoverRounds / 3) : handoverRounds;
  }

  Settings only(List<String> only) {
    return new Settings(name, systems, modes, only, reps, uncontendedSeconds, reentrySeconds, depositSeconds,
        warmupSeconds, handoverRounds, recoveryReps, recoveryLeaseMillis, scaleNames, scaleWaiters, waitingSeconds,
        renewalLeaseMillis, renewalTicks, jmhIterations, jmhBenchmarks, manyNames, virtualThreads, platformThreads);
  }

  /** The same durations, for the deployments run: its own systems and scenarios, and its own name. */
  Settings deployments() {
    return new Settings(name + "-deployments", DEPLOYMENTS, List.of("redis-mutex-redlock5"), DEPLOYMENT_SCENARIOS,
        reps, uncontendedSeconds, reentrySeconds, depositSeconds, warmupSeconds, handoverRounds, recoveryReps,
        recoveryLeaseMillis, scaleNames, scaleWaiters, waitingSeconds, renewalLeaseMillis, renewalTicks,
        jmhIterations, jmhBenchmarks, manyNames, virtualThreads, platformThreads);
  }

  boolean deploymentRun() {
    return systems.equals(DEPLOYMENTS);
  }

  /** JMH: the in-process operations that only the re-entrant libraries with isHeldByCurrentThread have. */
  static final List<String> JMH_SYSTEMS = List.of("redis-mutex", "redisson");

  /**
   * Which systems run a scenario: everything in the full run; in the smoke run, peers only for A, and Redisson's
   * read-write lock beside redis-mutex's for R.
   */
  List<String> systemsFor(String scenario) {
    if (scenario.equals("jmh")) {
      return JMH_SYSTEMS;
    }
    if (scenario.equals("virtual-threads")) {
      return name.equals("smoke") ? List.of("redis-mutex") : VIRTUAL_THREAD_SYSTEMS;
    }
    if (scenario.equals("many-names") && name.equals("smoke")) {
      return List.of("redis-mutex", "floor");
    }
    if (scenario.equals("read-write") && name.equals("smoke")) {
      return List.of("redis-mutex", "redisson"); // both read-write locks' drivers; the others have none
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
