package io.github.redismutex.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Signals;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The clients of one fault test or soak run: {@link Workload}s in this JVM and in child JVMs ({@link WorkloadMain}),
 * all on the same lock names, each writing its own history file; {@link #stop} stops them all, merges the histories
 * and runs the {@link HistoryChecker}. Closing it closes the clients and kills the children that are left.
 */
public final class WorkloadRun implements AutoCloseable {
  private final Path dir;
  private final String prefix;
  private final Duration lease;
  private final Workload.Settings settings;
  private final long seed;
  private final long allowedLatenessMicros;
  private final List<Path> files = new ArrayList<>();
  private final List<String> localClients = new ArrayList<>();
  private final List<RedisLocks> locals = new ArrayList<>();
  private final List<Workload> workloads = new ArrayList<>();
  private final List<History> histories = new ArrayList<>();
  private final List<ChildJvm> children = new ArrayList<>();
  private final Map<ChildJvm, String> childClients = new HashMap<>();
  private final List<HistoryChecker.ProcessPause> pauses = new ArrayList<>();
  private final List<Long> counterResets = new ArrayList<>();

  /**
   * @param dir where the history files go (kept after the run, for a look at a failure)
   * @param allowedLateness how far past its timeout a {@code tryLock} may return before the checker reports it
   */
  public WorkloadRun(Path dir, String prefix, Duration lease, Workload.Settings settings, long seed,
      Duration allowedLateness) {
    this.dir = dir;
    this.prefix = prefix;
    this.lease = lease;
    this.settings = settings;
    this.seed = seed;
    this.allowedLatenessMicros = TimeUnit.NANOSECONDS.toMicros(allowedLateness.toNanos());
  }

  /**
   * The run most fault tests use: names "a" and "b", three threads per client, sections of 30 to 60 ms (one in 25
   * of 1.5 leases),
   * {@code tryLock(400 ms)}, and {@value #ALLOWED_LATENESS_MILLIS} ms allowed past a timeout. History files go to
   * {@code target/history/<test>-<random>/}.
   */
  public static WorkloadRun forFaultTest(String test, Duration lease) {
    String run = test + "-" + UUID.randomUUID().toString().substring(0, 8);
    return new WorkloadRun(Path.of("target", "history", run), run + ":", lease,
        new Workload.Settings(List.of("a", "b"), 3, Duration.ofMillis(60), Duration.ofMillis(400),
            lease.multipliedBy(3).dividedBy(2)), 42,
        Duration.ofMillis(ALLOWED_LATENESS_MILLIS));
  }

  /**
   * The bound the fault tests hold {@code tryLock(t)} to: t plus this. Generous for two shared cores running Redis,
   * several JVMs and a build; the measured lateness is printed by each test.
   */
  public static final long ALLOWED_LATENESS_MILLIS = 250;

  /** The merged histories checked again, with another allowed lateness. */
  public HistoryChecker.Report check(long allowedLatenessMicros) {
    return new HistoryChecker(allowedLatenessMicros, pauses, counterResets).check(History.read(files));
  }

  public String prefix() {
    return prefix;
  }

  /**
   * After the fault: a fresh client on {@code uri} acquires (and releases) every name with {@code tryLock(within)};
   * returns how long that took, in ms.
   */
  public long acquireEveryName(String uri, Duration within) throws InterruptedException {
    long start = System.nanoTime();
    try (RedisLocks fresh = WorkloadMain.builder(uri).keyPrefix(prefix).leaseTime(lease).build()) {
      for (String name : settings.names()) {
        RedisMutex lock = fresh.mutex(name);
        fresh.inspect(name).ifPresent(holder -> System.out.printf("after the run, '%s' is still held: %s%n", name,
            holder));
        assertThat(lock.tryLock(within.toMillis(), TimeUnit.MILLISECONDS)).as("'%s' acquirable again", name).isTrue();
        lock.unlock();
      }
    }
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
  }

  /**
   * Every client was closed: the server soon has no connection but {@code admin}'s own and no subscription left.
   */
  public static void assertServerHasNoClientsLeft(RedisCommands<String, String> admin) {
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(admin.pubsubChannels()).as("channels still subscribed").isEmpty();
      assertThat(admin.clientList().lines().filter(line -> !line.isBlank()))
          .as("connections left besides the test's own").hasSize(1);
    });
  }

  /**
   * Waits until every client still running (every local one, and every child not killed) has entered a critical
   * section on every name since {@code sinceMicros} (a {@link History#nowMicros()}), as the histories show: the load
   * runs everywhere. Before a fault, so that it meets a running load; after one, so that the run goes on until every
   * client is back, not for a guessed while.
   */
  public void awaitEveryClientOnEveryName(long sinceMicros) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).pollInSameThread().untilAsserted(() -> {
      List<String> clients = new ArrayList<>(localClients);
      children.stream().filter(ChildJvm::isAlive).map(childClients::get).forEach(clients::add);
      Map<String, List<String>> entered = new TreeMap<>();
      for (CriticalSection section : History.read(files).sections()) {
        if (section.enterMicros() >= sinceMicros) {
          entered.computeIfAbsent(section.client(), c -> new ArrayList<>()).add(section.lock());
        }
      }
      for (String client : clients) {
        assertThat(entered.getOrDefault(client, List.of())).as("names %s entered since the mark", client)
            .containsAll(settings.names());
      }
    });
  }

  /** Milliseconds from {@code micros} (a {@link History#nowMicros()}) to the first critical section entered after it. */
  public long firstEntryAfterMillis(long micros) {
    return History.read(files).sections().stream()
        .mapToLong(section -> section.enterMicros() - micros)
        .filter(after -> after >= 0)
        .min().orElse(Long.MAX_VALUE) / 1000;
  }

  private String nextClient(String kind) {
    return kind + (files.size() + 1);
  }

  /**
   * The fencing counters of this run's locks were just reset (deleted) by the test, on every server: fencing tokens
   * of sections on either side of this moment do not compare.
   */
  public void fencingCountersReset() {
    counterResets.add(History.nowMicros());
  }

  /** Deletes the fencing counters of this run's locks on the server {@code admin} talks to. */
  public void resetFencingCounters(RedisCommands<String, String> admin) {
    List<String> counters = admin.keys(prefix + "*:fence");
    if (!counters.isEmpty()) {
      admin.del(counters.toArray(String[]::new));
    }
  }

  /**
   * A client in this JVM, connecting to {@code target}: a server (or a proxy in front of it) by URI, or {@code
   * redlock:} and the servers' URIs separated by commas ({@link WorkloadMain#builder}).
   */
  public RedisLocks startClient(String target) {
    String client = nextClient("local");
    Path file = dir.resolve(client + ".history");
    LeaseLosses losses = new LeaseLosses();
    RedisLocks locks = WorkloadMain.builder(target).keyPrefix(prefix).leaseTime(lease).onLeaseLost(losses).build();
    History history = History.appendingTo(file);
    files.add(file);
    locals.add(locks);
    localClients.add(client);
    histories.add(history);
    workloads.add(Workload.start(client, locks, losses, history, settings, seed + files.size()));
    return locks;
  }

  /** A client in a JVM of its own, running once this returns; {@code uri} as for {@link #startClient}. */
  public ChildJvm startChild(String uri) throws InterruptedException {
    String client = nextClient("child");
    Path file = dir.resolve(client + ".history");
    List<String> args = new ArrayList<>(List.of(uri, prefix, client, file.toString(), Long.toString(lease.toMillis()),
        Integer.toString(settings.threads()), Long.toString(settings.hold().toMillis()),
        Long.toString(settings.waitTimeout().toMillis()), Long.toString(seed + files.size() + 1)));
    args.addAll(settings.names());
    files.add(file);
    ChildJvm child = ChildJvm.start(WorkloadMain.class, args.toArray(String[]::new));
    children.add(child);
    childClients.put(child, client);
    child.awaitLine("READY", 60, TimeUnit.SECONDS);
    return child;
  }

  /**
   * Stops {@code child} (SIGSTOP) for {@code pause} and continues it: its waits meanwhile are not held to their
   * timeouts, since the lock could not run.
   */
  public void pauseChild(ChildJvm child, Duration pause) throws InterruptedException {
    long from = History.nowMicros();
    Signals.send(child.pid(), "STOP");
    Thread.sleep(pause.toMillis()); // the length of the pause
    Signals.send(child.pid(), "CONT");
    pauses.add(new HistoryChecker.ProcessPause(childClients.get(child), from, History.nowMicros()));
  }

  /**
   * Stops every client still running (children that were killed are skipped), waiting up to {@code bound} for each
   * thread: one that overruns it is counted as hung. Then checks the merged history.
   */
  public Result stop(Duration bound) throws InterruptedException {
    long acquisitions = 0;
    long lostAtUnlock = 0;
    int hung = 0;
    int childrenLeakingThreads = 0;
    Map<String, Integer> errors = new TreeMap<>();
    for (Workload workload : workloads) {
      Workload.Outcome outcome = workload.stop(bound);
      acquisitions += outcome.acquisitions();
      lostAtUnlock += outcome.lostAtUnlock();
      hung += outcome.hung();
      outcome.errors().forEach((kind, count) -> errors.merge(kind, count, Integer::sum));
    }
    workloads.clear();
    for (ChildJvm child : children) {
      if (!child.isAlive()) {
        continue;
      }
      child.send("STOP");
      String[] stopped = child.awaitLine("STOPPED", bound.toMillis() + 30_000, TimeUnit.MILLISECONDS).split(" ");
      acquisitions += Long.parseLong(stopped[1]);
      lostAtUnlock += Long.parseLong(stopped[2]);
      hung += Integer.parseInt(stopped[3]);
      for (int i = 4; i < stopped.length; i++) {
        String[] kindAndCount = stopped[i].split("=");
        errors.merge(kindAndCount[0].replace('|', ' '), Integer.parseInt(kindAndCount[1]), Integer::sum);
      }
      if (!child.awaitLine("CLOSED", 30, TimeUnit.SECONDS).equals("CLOSED 0")) {
        childrenLeakingThreads++;
      }
      child.waitForExit(30, TimeUnit.SECONDS);
    }
    histories.forEach(History::close);
    histories.clear();
    HistoryChecker.Report report = check(allowedLatenessMicros);
    return new Result(report, acquisitions, lostAtUnlock, hung, errors, childrenLeakingThreads);
  }

  public List<Path> historyFiles() {
    return List.copyOf(files);
  }

  /** Stops what still runs, closes the clients and kills the children; an interrupt meanwhile is kept, not thrown. */
  @Override
  public void close() {
    boolean interrupted = false;
    for (Workload workload : workloads) {
      try {
        workload.stop(Duration.ofSeconds(5));
      } catch (InterruptedException e) {
        interrupted = true; // the rest is closed all the same
      }
    }
    histories.forEach(History::close);
    locals.forEach(RedisLocks::close);
    children.forEach(ChildJvm::close);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * @param childrenLeakingThreads child JVMs in which a library thread outlived {@code close()}
   */
  public record Result(HistoryChecker.Report report, long acquisitions, long lostAtUnlock, int hung,
      Map<String, Integer> errors, int childrenLeakingThreads) {
    /**
     * The expectations of every fault whose Redis keeps its writes: no overlap of holders that kept their lease,
     * every other overlap fenced, tokens growing, no tryLock late, no thread hung, no child leaking threads.
     */
    public void assertSafe() {
      assertThat(report.overlaps()).as(report.details()).isEmpty();
      assertThat(report.unfencedOverlaps()).as(report.details()).isEmpty();
      assertThat(report.tokenDecreases()).as(report.details()).isEmpty();
      assertBounded();
    }

    /** Nothing late, nothing hung, nothing leaked: what every fault, even one that loses writes, must keep. */
    public void assertBounded() {
      assertThat(report.lateWaits()).as(report.details()).isEmpty();
      assertThat(hung).as("hung threads").isZero();
      assertThat(childrenLeakingThreads).as("child JVMs with library threads left after close()").isZero();
    }

    @Override
    public String toString() {
      return report.summary() + "; " + acquisitions + " acquisitions, " + lostAtUnlock + " unlocks found the lease"
          + " lost, " + hung + " hung threads, errors " + errors;
    }
  }
}
