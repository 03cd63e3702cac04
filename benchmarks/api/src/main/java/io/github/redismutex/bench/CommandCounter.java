package io.github.redismutex.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the commands Redis executes, on every primary of a target (replicas replay the primaries' writes and
 * would count them twice). Two ways:
 *
 * <ul>
 *   <li>{@link #calls()}: the sum of {@code calls} over {@code INFO commandstats}, which on Redis 7.0 counts the
 *       commands run inside scripts too. The measuring commands (INFO, ECHO, MONITOR) are left out.
 *   <li>{@link #monitor()}: a MONITOR recording between two ECHO markers, which tells top-level commands (one per
 *       request the server read: round trips, unless a client pipelines) from those a script ran ({@code [0 lua]}).
 *       MONITOR slows the server down, so it is used only for short counting phases, never while timing.
 * </ul>
 */
public final class CommandCounter implements AutoCloseable {
  private static final List<String> MEASURING = List.of("info", "echo", "monitor");

  private final List<Integer> primaries = new ArrayList<>();
  private final List<Resp> connections = new ArrayList<>();

  public CommandCounter(List<Integer> ports) {
    for (int port : ports) {
      Resp resp = new Resp(port);
      if ("master".equals(resp.info("replication").get("role"))) {
        primaries.add(port);
        connections.add(resp);
      } else {
        resp.close();
      }
    }
  }

  /** Commands executed so far on all primaries, script-inner ones included, measuring ones excluded. */
  public long calls() {
    return byCommand().values().stream().mapToLong(Long::longValue).sum();
  }

  /** As {@link #calls()}, per command name. */
  public Map<String, Long> byCommand() {
    Map<String, Long> calls = new TreeMap<>();
    for (Resp resp : connections) {
      for (Map.Entry<String, String> stat : resp.info("commandstats").entrySet()) {
        String command = stat.getKey().substring("cmdstat_".length());
        if (!MEASURING.contains(command)) {
          String value = stat.getValue();
          long n = Long.parseLong(value.substring("calls=".length(), value.indexOf(',')));
          calls.merge(command, n, Long::sum);
        }
      }
    }
    return calls;
  }

  /** Starts recording every command on every primary; {@link Recording#stop()} ends it. */
  public Recording monitor() {
    return new Recording(primaries);
  }

  @Override
  public void close() {
    connections.forEach(Resp::close);
  }

  /** Top-level commands (requests read from clients) and script-inner commands between start and stop. */
  public record Counts(long topLevel, long inner) {
    public long total() {
      return topLevel + inner;
    }
  }

  /** A MONITOR recording on each primary, bounded by ECHO markers so that only the phase in between counts. */
  public static final class Recording {
    private final String marker = "bench-marker-" + UUID.randomUUID();
    private final List<Resp> monitors = new ArrayList<>();
    private final List<Resp> markers = new ArrayList<>();
    private final List<Thread> readers = new ArrayList<>();
    private final AtomicLong topLevel = new AtomicLong();
    private final AtomicLong inner = new AtomicLong();
    private final List<Double> topLevelTimes = new ArrayList<>(); // server clock, seconds
    private final CountDownLatch ended;

    Recording(List<Integer> ports) {
      ended = new CountDownLatch(ports.size());
      CountDownLatch started = new CountDownLatch(ports.size());
      for (int port : ports) {
        Resp monitor = new Resp(port);
        monitor.call("MONITOR");
        monitors.add(monitor);
        markers.add(new Resp(port));
        Thread reader = new Thread(() -> read(monitor, started), "bench-monitor-" + port);
        reader.setDaemon(true);
        reader.start();
        readers.add(reader);
      }
      markers.forEach(resp -> resp.call("ECHO", marker + "-start"));
      await(started);
    }

    private void read(Resp monitor, CountDownLatch started) {
      boolean counting = false;
      try {
        while (true) {
          String line = String.valueOf(monitor.read());
          if (line.contains(marker + "-start")) {
            counting = true;
            started.countDown();
          } else if (line.contains(marker + "-end")) {
            return;
          } else if (counting) {
            if (line.contains(" lua] ")) {
              inner.incrementAndGet();
            } else {
              topLevel.incrementAndGet();
              synchronized (topLevelTimes) {
                topLevelTimes.add(Double.valueOf(line.substring(0, line.indexOf(' '))));
              }
            }
          }
        }
      } finally {
        ended.countDown();
      }
    }

    public Counts stop() {
      markers.forEach(resp -> resp.call("ECHO", marker + "-end"));
      await(ended);
      monitors.forEach(Resp::close);
      markers.forEach(Resp::close);
      return new Counts(topLevel.get(), inner.get());
    }

    /**
     * After {@link #stop()}: how many bursts the top-level commands came in, a burst ending where no command came
     * for {@code gapSeconds} (periodic work such as lease renewal, counted by what the server saw).
     */
    public int bursts(double gapSeconds) {
      List<Double> times;
      synchronized (topLevelTimes) {
        times = new ArrayList<>(topLevelTimes);
      }
      times.sort(null);
      int bursts = 0;
      double last = Double.NEGATIVE_INFINITY;
      for (double time : times) {
        if (time - last > gapSeconds) {
          bursts++;
        }
        last = time;
      }
      return bursts;
    }

    private static void await(CountDownLatch latch) {
      try {
        if (!latch.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("MONITOR recording did not see its marker within 30 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
