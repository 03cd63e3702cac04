package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import java.lang.reflect.Method;
import java.util.concurrent.Executors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordingFile;

/**
 * Run on JDK 21 or later (a child JVM of {@code VirtualThreadsIT}): {@code THREADS} virtual threads contend for
 * {@code NAMES} locks, each doing {@code ROUNDS} deposits under its lock (a read, an increment and a write of a plain
 * field: a lost update if two were inside at once), while a JFR recording counts {@code jdk.VirtualThreadPinned}
 * events (a virtual thread that blocked while pinned to its carrier). Prints {@code RESULT <acquisitions>
 * <lost updates> <pinned>}. Arguments: {@code URI THREADS NAMES ROUNDS}. Virtual threads are made by reflection, so
 * that this class compiles for Java 17 with the rest of the tests.
 */
public final class VirtualThreadsMain {
  private VirtualThreadsMain() {}

  /** One lock's balance: written only under its lock, so plain fields are enough when the lock works. */
  private static final class Balance {
    long deposits;
  }

  /** {@code threads} virtual threads, on the locks in turn, each doing {@code rounds} deposits under its lock. */
  private static void contend(RedisLocks locks, Balance[] balances, int threads, int rounds, AtomicLong acquisitions)
      throws Exception {
    Method perTask = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
    ExecutorService virtual = (ExecutorService) perTask.invoke(null);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int name = t % balances.length;
        done.add(virtual.submit(() -> {
          RedisMutex lock = locks.mutex("name-" + name);
          for (int r = 0; r < rounds; r++) {
            lock.lock();
            try {
              long seen = balances[name].deposits;
              Thread.yield(); // let others run while inside: a broken lock would lose this update
              balances[name].deposits = seen + 1;
              acquisitions.incrementAndGet();
            } finally {
              lock.unlock();
            }
          }
          return null;
        }));
      }
      for (Future<?> each : done) {
        each.get(5, TimeUnit.MINUTES);
      }
    } finally {
      virtual.shutdown();
    }
  }

  public static void main(String[] args) throws Exception {
    String uri = args[0];
    int threads = Integer.parseInt(args[1]);
    int names = Integer.parseInt(args[2]);
    int rounds = Integer.parseInt(args[3]);
    Path jfr = Files.createTempFile("virtual-threads-", ".jfr");
    try (Recording recording = new Recording();
        RedisLocks locks = RedisLocks.builder().uri(uri).keyPrefix("virtual:").build()) {
      Balance[] balances = new Balance[names];
      for (int i = 0; i < names; i++) {
        balances[i] = new Balance();
      }
      AtomicLong acquisitions = new AtomicLong();
      // Warm-up: the first use of a class initialises it, and a thread that does so is pinned meanwhile; the steady
      // state is what the recording below counts.
      int warmUpThreads = Math.max(names, threads / 10); // contended too: the local queue, local hand-overs
      contend(locks, balances, warmUpThreads, 2, new AtomicLong());
      recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
      recording.start();
      contend(locks, balances, threads, rounds, acquisitions);
      recording.stop();
      recording.dump(jfr);
      long total = -2L * warmUpThreads; // the warm-up's deposits
      for (Balance balance : balances) {
        total += balance.deposits;
      }
      List<jdk.jfr.consumer.RecordedEvent> pins = RecordingFile.readAllEvents(jfr).stream()
          .filter(event -> event.getEventType().getName().equals("jdk.VirtualThreadPinned")).toList();
      for (jdk.jfr.consumer.RecordedEvent pin : pins) { // where it pinned, for the report of a failure
        StringBuilder where = new StringBuilder("PINNED at " + pin.getStartTime() + ":");
        if (pin.getStackTrace() != null) {
          pin.getStackTrace().getFrames().stream().limit(12).forEach(frame -> where.append("\n    at ")
              .append(frame.getMethod().getType().getName()).append('.').append(frame.getMethod().getName())
              .append(':').append(frame.getLineNumber()));
        }
        System.out.println(where);
      }
      long pinned = pins.size();
      System.out.println("RESULT " + acquisitions.get() + " " + (acquisitions.get() - total) + " " + pinned);
    } finally {
      Files.deleteIfExists(jfr);
    }
  }
}
