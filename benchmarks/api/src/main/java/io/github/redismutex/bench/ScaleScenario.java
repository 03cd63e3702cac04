package io.github.redismutex.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;

/**
 * G: many names. {@link #names}: one thread acquires and holds N distinct names, then releases them. {@link
 * #waiters}: N threads wait on N different names held by another client; what does waiting cost the server?
 * {@link #renewal}: N locks held while the lease renewals tick; how many requests per tick?
 */
final class ScaleScenario {
  private ScaleScenario() {}

  static void names(Args args) {
    int count = (int) args.number("names", 5000);
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(args.target().ports())) {
      warmUp(system);
      long heapBefore = usedHeapAfterGc();
      List<Lock> locks = new ArrayList<>(count);
      long commandsBefore = counter.calls();
      long start = System.nanoTime();
      for (int i = 0; i < count; i++) {
        Lock lock = system.lock("bench-name-" + i);
        lock.lock();
        locks.add(lock);
      }
      long acquired = System.nanoTime();
      long commandsHeld = counter.calls();
      long heapHeld = usedHeapAfterGc();
      long released = System.nanoTime();
      for (Lock lock : locks) {
        lock.unlock();
      }
      long end = System.nanoTime();
      long commandsEnd = counter.calls();
      Report.result("acquire_all_ms", (acquired - start) / 1e6);
      Report.result("release_all_ms", (end - released) / 1e6);
      Report.result("acquire_commands_per_lock", (double) (commandsHeld - commandsBefore) / count);
      Report.result("release_commands_per_lock", (double) (commandsEnd - commandsHeld) / count);
      Report.result("heap_bytes_per_held_lock", (double) (heapHeld - heapBefore) / count);
    }
  }

  static void waiters(Args args) throws InterruptedException {
    int count = (int) args.number("waiters", 100);
    double seconds = args.decimal("seconds", 3);
    try (LockSystem holder = Driver.open(args); LockSystem waiting = Driver.open(args);
        CommandCounter counter = new CommandCounter(args.target().ports()); Resp resp = new Resp(args.target().firstPort())) {
      warmUp(holder);
      warmUp(waiting);
      List<Lock> held = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        Lock lock = holder.lock("bench-wait-" + i);
        lock.lock();
        held.add(lock);
      }
      int idlePubSub = pubSubConnections(resp);
      AtomicInteger acquired = new AtomicInteger();
      CountDownLatch done = new CountDownLatch(count);
      for (int i = 0; i < count; i++) {
        Lock lock = waiting.lock("bench-wait-" + i);
        Thread thread = new Thread(() -> {
          try {
            lock.lock();
            acquired.incrementAndGet();
            lock.unlock();
          } finally {
            done.countDown();
          }
        }, "bench-waiter-" + i);
        thread.setDaemon(true);
        thread.start();
      }
      Thread.sleep(1500); // all threads are inside lock(), subscribed or polling
      long before = counter.calls();
      long start = System.nanoTime();
      Thread.sleep((long) (seconds * 1000));
      double commandsPerSecond = (counter.calls() - before) / ((System.nanoTime() - start) / 1e9);
      Report.result("pubsub_connections_idle", idlePubSub);
      Report.result("pubsub_connections_waiting", pubSubConnections(resp));
      Report.result("channels", ((List<?>) resp.call("PUBSUB", "CHANNELS")).size());
      Report.result("patterns", resp.number("PUBSUB", "NUMPAT"));
      Report.result("clients", clientList(resp, null).size());
      Report.result("commands_per_s_waiting", commandsPerSecond);
      for (Lock lock : held) {
        lock.unlock();
      }
      boolean all = done.await(60, TimeUnit.SECONDS);
      Report.result("waiters_acquired", acquired.get() + (all ? "" : " (stopped waiting after 60 s)"));
    }
  }

  static void renewal(Args args) throws InterruptedException {
    int count = (int) args.number("names", 5000);
    long leaseMillis = args.target().lease().toMillis();
    int ticks = (int) args.number("ticks", 4);
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(args.target().ports());
        Resp resp = new Resp(args.target().firstPort())) {
      List<Lock> locks = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        Lock lock = system.lock("bench-renew-" + i);
        lock.lock();
        locks.add(lock);
      }
      long tickMillis = leaseMillis / 3;
      Thread.sleep(tickMillis / 2);
      long before = counter.calls();
      CommandCounter.Recording recording = counter.monitor();
      Thread.sleep(ticks * tickMillis);
      CommandCounter.Counts counts = recording.stop();
      long commands = counter.calls() - before;
      // every lock must still be held: a renewal that did not happen shows up as an expired key
      long alive = 0;
      for (int i = 0; i < count; i++) {
        alive += resp.number("PTTL", system.keyOf("bench-renew-" + i)) > 0 ? 1 : 0;
      }
      // Ticks as the server saw them: bursts of requests with quiet gaps between them (a system renewing on a
      // fixed delay after slow work ticks less often than every third of the lease). A system that renews each
      // lock on its own timer sends without gaps: for it, the requests of one lease/3 period are what a tick costs.
      int bursts = recording.bursts(tickMillis / 4000.0);
      double perTick = bursts >= 2 ? (double) counts.topLevel() / bursts : (double) counts.topLevel() / ticks;
      Report.result("lease_ms", leaseMillis);
      Report.result("ticks", bursts >= 2 ? Integer.toString(bursts) : counts.topLevel() == 0 ? "none" : "continuous");
      Report.result("round_trips_per_tick", perTick);
      Report.result("commands_per_tick", perTick * commands / Math.max(1, counts.topLevel()));
      Report.result("round_trips_per_s", counts.topLevel() / (ticks * tickMillis / 1000.0));
      Report.result("still_held", alive);
      for (Lock lock : locks) {
        lock.unlock();
      }
    }
  }

  /** One cycle on a name of its own, so that connections and scripts are ready before anything is counted. */
  private static void warmUp(LockSystem system) {
    Lock lock = system.lock("bench-warm-up");
    lock.lock();
    lock.unlock();
  }

  private static int pubSubConnections(Resp resp) {
    return clientList(resp, "pubsub").size();
  }

  private static List<String> clientList(Resp resp, String type) {
    String list = type == null ? resp.string("CLIENT", "LIST") : resp.string("CLIENT", "LIST", "TYPE", type);
    return list.lines().filter(line -> !line.isBlank()).toList();
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
