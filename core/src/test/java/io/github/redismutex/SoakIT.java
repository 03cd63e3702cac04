package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.history.History;
import io.github.redismutex.history.Workload;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Servers;
import io.github.redismutex.support.TcpProxy;
import io.lettuce.core.KillArgs;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The soak run (not part of {@code mvn verify}: run it with {@code mvn -B -pl core verify -Psoak}): minutes of mixed
 * load, with a 1 s lease, on two deployments at once, while faults are injected at random on a fixed seed.
 * <ul>
 *   <li>One server (AOF on): several child JVMs (through a {@link TcpProxy}) and this JVM on four locks. Faults:
 *       Redis restarted (SHUTDOWN NOSAVE) or stopped, connections killed by the server, cut, refused for a while
 *       (acquisitions that give up meanwhile cannot send their clean-up) or held by the proxy, latency, client
 *       processes paused or killed and replaced, fencing counters deleted.
 *   <li>Redlock over three servers (the third behind a proxy): a child JVM and this JVM on two locks. Faults: one
 *       server stalled (SIGSTOP, or its traffic held), fencing counters deleted.
 * </ul>
 * Prints a summary table per deployment, and fails on any violation, hung waiter or leaked resource.
 *
 * <p>System properties: {@code soak.seconds} (default 180), {@code soak.seed} (default 1), {@code soak.processes}
 * (child JVMs on the single server, default 3), {@code soak.allowedLatenessMillis} (default 3000).
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
@ExtendWith(RedisExtension.class)
class SoakIT {
  private static final Duration LEASE = Duration.ofSeconds(1);

  private final Map<String, Integer> faults = new TreeMap<>();

  @Test
  @SuppressWarnings("try") // the runs are closed inside their try on purpose: what they leave is counted after
  void mixedLoadUnderRandomFaultsKeepsMutualExclusionAndLeavesNothingBehind(
      @Dedicated(args = {"--appendonly", "yes", "--enable-debug-command", "yes"}) RedisServer server,
      @Servers(3) List<RedisServer> redlockServers) throws Exception {
    long seconds = Long.getLong("soak.seconds", 180);
    long seed = Long.getLong("soak.seed", 1);
    int processes = Integer.getInteger("soak.processes", 3);
    // Several JVMs, Redis and a build share two cores here: timed waits wake up to seconds late when the machine is
    // starved, beyond what the hiccup meters catch. The soak holds waiters to "nothing unbounded" (3 s) and reports
    // how many were later than the fault tests' 250 ms.
    long allowedLatenessMillis = Long.getLong("soak.allowedLatenessMillis", 3_000);
    Random random = new Random(seed);
    String id = "soak-" + seed + "-" + UUID.randomUUID().toString().substring(0, 8);
    Duration lateness = Duration.ofMillis(allowedLatenessMillis);

    try (TcpProxy proxy = TcpProxy.to(server.port());
        TcpProxy thirdsProxy = TcpProxy.to(redlockServers.get(2).port());
        WorkloadRun single = run(id, "single", List.of("a", "b", "c", "d"), seed, lateness);
        WorkloadRun redlock = run(id, "redlock", List.of("a", "b"), seed + 1, lateness)) {
      String redlockTarget = "redlock:" + redlockServers.get(0).uri() + "," + redlockServers.get(1).uri() + ","
          + thirdsProxy.uri();
      Set<Thread> threadsBefore = Thread.getAllStackTraces().keySet();
      List<ChildJvm> children = new ArrayList<>();
      for (int i = 0; i < processes; i++) {
        children.add(single.startChild(proxy.uri()));
      }
      redlock.startChild(redlockTarget);
      RedisLocks local = single.startClient(server.uri());
      RedisLocks redlockLocal = redlock.startClient(redlockTarget);
      Set<Thread> libraryThreads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> !threadsBefore.contains(t) && t.getName().startsWith("redis-mutex-"))
          .collect(Collectors.toSet());

      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        Thread.sleep(1_000 + random.nextInt(3_000)); // quiet between faults, so that load resumes
        long length = 300 + random.nextInt(2_700); // from well under to three times the lease
        long faultAtMicros = History.nowMicros();
        String fault = random.nextInt(4) == 0
            ? redlockFault(random, length, redlockServers, thirdsProxy, redlock)
            : singleServerFault(random, length, server, proxy, single, children);
        faults.merge(fault, 1, Integer::sum);
        System.out.printf("soak fault at %d (µs, the histories' clock): %s, %d ms%n", faultAtMicros, fault, length);
      }
      long lastFaultEndedAt = History.nowMicros();
      single.awaitEveryClientOnEveryName(lastFaultEndedAt); // the load back everywhere before the run ends
      redlock.awaitEveryClientOnEveryName(lastFaultEndedAt);

      Outcome ofSingle = finish(single, server.uri(), local);
      Outcome ofRedlock = finish(redlock, redlockTarget, redlockLocal);
      single.close();
      redlock.close();
      try { // closes complete asynchronously on the server's side
        await().atMost(Duration.ofSeconds(10)).until(() -> libraryThreads.stream().noneMatch(Thread::isAlive)
            && connectionsLeft(server) == 0 && server.admin().pubsubChannels().isEmpty());
      } catch (ConditionTimeoutException e) {
        // what is left is counted now, shown in the table and failed on below
      }
      long threadsLeft = libraryThreads.stream().filter(Thread::isAlive).count();
      long connectionsLeft = connectionsLeft(server);
      long channelsLeft = server.admin().pubsubChannels().size();

      int faultCount = faults.values().stream().mapToInt(Integer::intValue).sum();
      System.out.printf("%nsoak: seed %d, %d s, %d faults injected %s%n", seed, seconds, faultCount, faults);
      System.out.println(table("one server, " + processes + " child JVMs + 1 local client, 4 locks", ofSingle,
          allowedLatenessMillis, threadsLeft, connectionsLeft, channelsLeft));
      System.out.println(table("Redlock over 3 servers, 1 child JVM + 1 local client, 2 locks", ofRedlock,
          allowedLatenessMillis, 0, 0, 0));
      for (Outcome outcome : List.of(ofSingle, ofRedlock)) {
        if (!outcome.result().report().clean()) {
          System.out.println(outcome.result().report().details());
        }
        outcome.result().assertBounded();
        assertThat(outcome.result().report().overlaps()).as(outcome.result().report().details()).isEmpty();
        assertThat(outcome.result().report().unfencedOverlaps()).as(outcome.result().report().details()).isEmpty();
        assertThat(outcome.result().report().tokenDecreases()).as(outcome.result().report().details()).isEmpty();
        assertThat(outcome.subscriptions() + outcome.lockEntries()).as("leaks").isZero();
      }
      assertThat(connectionsLeft + channelsLeft + threadsLeft).as("leaks").isZero();
    }
  }

  private static WorkloadRun run(String id, String deployment, List<String> names, long seed, Duration lateness) {
    return new WorkloadRun(Path.of("target", "history", id + "-" + deployment), id + "-" + deployment + ":", LEASE,
        new Workload.Settings(names, 3, Duration.ofMillis(60), Duration.ofMillis(400),
            LEASE.multipliedBy(3).dividedBy(2)), seed, lateness);
  }

  /** One fault on the single server or its clients; returns its name. */
  private static String singleServerFault(Random random, long length, RedisServer server, TcpProxy proxy,
      WorkloadRun run, List<ChildJvm> children) throws Exception {
    switch (random.nextInt(10)) {
      case 0 -> {
        server.admin().shutdown(false); // SHUTDOWN NOSAVE; the AOF is flushed at shutdown
        server.stop();
        Thread.sleep(Math.min(length, 500)); // the length of the outage, shorter than a lease: held locks survive
        server.start();
        return "Redis restarted";
      }
      case 1 -> {
        server.signal("STOP");
        Thread.sleep(length); // the length of the fault
        server.signal("CONT");
        return "Redis stopped (SIGSTOP)";
      }
      case 2 -> {
        server.admin().clientKill(random.nextBoolean() ? KillArgs.Builder.typeNormal().skipme()
            : KillArgs.Builder.typePubsub());
        return "CLIENT KILL";
      }
      case 3 -> {
        proxy.holdAll();
        Thread.sleep(length); // the length of the fault
        proxy.pass();
        return "proxy held all traffic";
      }
      case 4 -> {
        proxy.cutAll();
        return "proxy cut all connections";
      }
      case 5 -> {
        proxy.latency(Duration.ofMillis(100));
        Thread.sleep(length); // the length of the fault
        proxy.pass();
        return "proxy latency 100 ms";
      }
      case 6 -> {
        run.pauseChild(children.get(random.nextInt(children.size())), Duration.ofMillis(length));
        return "client process paused";
      }
      case 7 -> {
        int victim = random.nextInt(children.size());
        children.get(victim).kill();
        children.set(victim, run.startChild(proxy.uri()));
        return "client process killed";
      }
      case 8 -> {
        proxy.refuse(); // waiters that give up meanwhile cannot send their clean-up: it is sent after the reconnect
        Thread.sleep(length); // the length of the fault
        proxy.pass();
        return "proxy refused connections (disconnect)";
      }
      default -> {
        run.resetFencingCounters(server.admin());
        run.fencingCountersReset();
        return "fencing counters deleted";
      }
    }
  }

  /** One fault on the Redlock deployment; returns its name. */
  private static String redlockFault(Random random, long length, List<RedisServer> servers, TcpProxy thirdsProxy,
      WorkloadRun run) throws Exception {
    switch (random.nextInt(3)) {
      case 0 -> {
        RedisServer stalled = servers.get(random.nextInt(servers.size()));
        stalled.signal("STOP");
        Thread.sleep(length); // the length of the fault
        stalled.signal("CONT");
        return "Redlock: one server stopped (SIGSTOP)";
      }
      case 1 -> {
        thirdsProxy.holdAll();
        Thread.sleep(length); // the length of the fault
        thirdsProxy.pass();
        return "Redlock: one server's traffic held";
      }
      default -> {
        servers.forEach(server -> run.resetFencingCounters(server.admin()));
        run.fencingCountersReset();
        return "Redlock: fencing counters deleted";
      }
    }
  }

  private record Outcome(WorkloadRun.Result result, long acquireAllMillis, int subscriptions, int lockEntries) {}

  private static Outcome finish(WorkloadRun run, String target, RedisLocks local) throws Exception {
    WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
    long acquireAll = run.acquireEveryName(target, LEASE.plusSeconds(5));
    return new Outcome(result, acquireAll, local.subscribedChannelCount(), local.localLockCount());
  }

  private static long connectionsLeft(RedisServer server) {
    return server.admin().clientList().lines().filter(l -> !l.isBlank()).count() - 1;
  }

  private static String table(String title, Outcome outcome, long allowedLatenessMillis, long threadsLeft,
      long connectionsLeft, long channelsLeft) {
    WorkloadRun.Result result = outcome.result();
    StringBuilder table = new StringBuilder();
    table.append(String.format("%n| soak: %s, 1 s lease | |%n", title));
    table.append("|---|---|\n");
    row(table, "acquisitions", result.acquisitions() + " (" + result.report().sections() + " sections in the history)");
    row(table, "violations", result.report().violations() + " (overlaps " + result.report().overlaps().size()
        + ", unfenced " + result.report().unfencedOverlaps().size() + ", token decreases "
        + result.report().tokenDecreases().size() + ", waits more than " + allowedLatenessMillis
        + " ms beyond timeout " + result.report().lateWaits().size() + ")");
    row(table, "stale overlaps (lease lost, fenced)", Integer.toString(result.report().staleOverlaps()));
    row(table, "sections that lost their lease", Integer.toString(result.report().lostSections()));
    row(table, "hung waiters", Integer.toString(result.hung()));
    row(table, "waits (timed out)", result.report().waits() + " (" + result.report().timedOutWaits() + ")");
    row(table, "max wait beyond timeout (less process hiccups)",
        String.format("%.1f ms", result.report().maxLatenessMicros() / 1000.0));
    row(table, "process hiccups (longest)", result.report().hiccups()
        + String.format(" (%.0f ms)", result.report().longestHiccupMicros() / 1000.0));
    row(table, "errors seen by callers", result.errors().toString());
    row(table, "every lock acquired again after", outcome.acquireAllMillis() + " ms");
    row(table, "leaked at the end: subscriptions / local lock entries / connections / server channels / threads",
        outcome.subscriptions() + " / " + outcome.lockEntries() + " / " + connectionsLeft + " / " + channelsLeft
            + " / " + (threadsLeft + result.childrenLeakingThreads()));
    return table.toString();
  }

  private static void row(StringBuilder table, String what, String value) {
    table.append("| ").append(what).append(" | ").append(value).append(" |\n");
  }
}
