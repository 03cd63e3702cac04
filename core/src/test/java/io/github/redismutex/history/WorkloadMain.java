package io.github.redismutex.history;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;
import io.github.redismutex.support.Targets;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Workload} client in a JVM of its own, so that it can be paused (SIGSTOP) or killed (SIGKILL) as a whole.
 * Arguments: {@code TARGET PREFIX CLIENT HISTORY_FILE LEASE_MS THREADS HOLD_MS TIMEOUT_MS SEED NAME...}; long sections last 1.5
 * leases; TARGET as for {@link #builder}. Prints
 * {@code READY} once running; on the line {@code STOP} it stops the workload, prints
 * {@code STOPPED <acquisitions> <lost at unlock> <hung> <error kind>=<count>...}, closes its {@code RedisLocks}, prints
 * {@code CLOSED <library threads left>} and exits.
 */
public final class WorkloadMain {
  private WorkloadMain() {}

  /** A builder for {@code target}: a server's URI, or {@code redlock:} and the servers' URIs ({@link Targets}). */
  static RedisLocksBuilder builder(String target) {
    return Targets.builder(target);
  }

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    String prefix = args[1];
    String client = args[2];
    Path file = Path.of(args[3]);
    Duration lease = Duration.ofMillis(Long.parseLong(args[4]));
    Workload.Settings settings = new Workload.Settings(List.copyOf(Arrays.asList(args).subList(9, args.length)),
        Integer.parseInt(args[5]), Duration.ofMillis(Long.parseLong(args[6])),
        Duration.ofMillis(Long.parseLong(args[7])), lease.multipliedBy(3).dividedBy(2));
    long seed = Long.parseLong(args[8]);
    LeaseLosses losses = new LeaseLosses();
    RedisLocks locks = builder(uri).keyPrefix(prefix).leaseTime(lease).onLeaseLost(losses).build();
    try (History history = History.appendingTo(file)) {
      Workload workload = Workload.start(client, locks, losses, history, settings, seed);
      System.out.println("READY");
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line = in.readLine(); line != null && !line.equals("STOP"); line = in.readLine()) {
        // only STOP means anything
      }
      Workload.Outcome outcome = workload.stop(Duration.ofSeconds(10));
      StringBuilder stopped = new StringBuilder("STOPPED " + outcome.acquisitions() + " " + outcome.lostAtUnlock()
          + " " + outcome.hung());
      // kinds are "<call>: <exception>": no '=' in them, and the spaces are kept apart by '|'
      outcome.errors().forEach((kind, count) -> stopped.append(' ').append(kind.replace(' ', '|')).append('=')
          .append(count));
      System.out.println(stopped);
    } finally {
      locks.close();
    }
    List<Thread> ending = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("redis-mutex-")).toList();
    long giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(5); // 5 s in all, however many are ending
    for (Thread thread : ending) { // an executor's thread may still be exiting just after it terminated
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(giveUpAt - System.nanoTime())));
    }
    List<Thread> left = ending.stream().filter(Thread::isAlive).toList();
    left.forEach(thread -> System.err.println("library thread left after close(): " + thread.getName() + " "
        + Arrays.toString(thread.getStackTrace())));
    System.out.println("CLOSED " + left.size());
    System.exit(0);
  }
}
