package io.github.redismutex.history;

import io.github.redismutex.LeaseExpiredException;
import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Threads of one client (one {@link RedisLocks}) that take turns on a few lock names for as long as it runs, each
 * turn a {@code tryLock(timeout)} and, if acquired, a critical section of a random length, all recorded in a
 * {@link History}. Used by the fault tests (in this JVM or in a {@link WorkloadMain} child) and by the soak run.
 */
public final class Workload {
  /**
   * @param names the locks the threads pick from at random
   * @param hold the longest critical section (each lasts between half of it and all of it)
   * @param waitTimeout the timeout of each {@code tryLock}
   * @param longHold the length of one section in 25: longer than the lease, so that a fault can end a lease
   *     in the middle of a section (the watchdog keeps it alive otherwise)
   */
  public record Settings(List<String> names, int threads, Duration hold, Duration waitTimeout, Duration longHold) {}

  /** What the client saw, beyond the history: counts by outcome, and threads that did not stop in time. */
  public record Outcome(long acquisitions, long lostAtUnlock, Map<String, Integer> errors, int hung) {
    public long errorCount() {
      return errors.values().stream().mapToLong(Integer::longValue).sum();
    }
  }

  private final String client;
  private final RedisLocks locks;
  private final LeaseLosses losses;
  private final History history;
  private final Settings settings;
  private final List<Thread> threads = new ArrayList<>();
  private final Map<Thread, Long> tryLockSince = new ConcurrentHashMap<>(); // nanoTime of each call in flight
  private final LongAdder acquisitions = new LongAdder();
  private final LongAdder lostAtUnlock = new LongAdder();
  private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
  private volatile boolean running = true;

  private Workload(String client, RedisLocks locks, LeaseLosses losses, History history, Settings settings) {
    this.client = client;
    this.locks = locks;
    this.losses = losses;
    this.history = history;
    this.settings = settings;
  }

  /**
   * Starts the threads, named {@code workload-<client>-<n>}.
   *
   * @param losses the listener {@code locks} was built with ({@code onLeaseLost})
   */
  public static Workload start(String client, RedisLocks locks, LeaseLosses losses, History history,
      Settings settings, long seed) {
    Workload workload = new Workload(client, locks, losses, history, settings);
    Thread meter = new Thread(workload::measureHiccups, "workload-" + client + "-hiccups");
    meter.setDaemon(true);
    workload.threads.add(meter);
    meter.start();
    for (int i = 0; i < settings.threads(); i++) {
      Random random = new Random(seed * 31 + i);
      Thread thread = new Thread(() -> workload.run(random), "workload-" + client + "-" + i);
      thread.setDaemon(true);
      workload.threads.add(thread);
      thread.start();
    }
    return workload;
  }

  public long acquisitions() {
    return acquisitions.sum();
  }

  /**
   * Tells the threads to finish their turn and waits up to {@code bound} for them: a thread still running then
   * is counted as hung (its tryLock or unlock overran every timeout) and interrupted.
   */
  public Outcome stop(Duration bound) throws InterruptedException {
    running = false;
    long deadline = System.nanoTime() + bound.toNanos();
    int hung = 0;
    for (Thread thread : threads) {
      thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      if (thread.isAlive()) {
        hung++;
        System.err.println("hung workload thread " + thread.getName() + ":");
        for (StackTraceElement frame : thread.getStackTrace()) {
          System.err.println("    at " + frame);
        }
        thread.interrupt();
      }
    }
    Map<String, Integer> errorCounts = new TreeMap<>();
    errors.forEach((kind, count) -> errorCounts.put(kind, count.get()));
    return new Outcome(acquisitions.sum(), lostAtUnlock.sum(), errorCounts, hung);
  }

  private void run(Random random) {
    String thread = Thread.currentThread().getName();
    long timeoutMicros = TimeUnit.NANOSECONDS.toMicros(settings.waitTimeout().toNanos());
    long holdMillis = settings.hold().toMillis();
    while (running) {
      String name = settings.names().get(random.nextInt(settings.names().size()));
      RedisMutex lock;
      boolean acquired;
      long start = History.nowMicros();
      tryLockSince.put(Thread.currentThread(), System.nanoTime());
      try {
        lock = locks.mutex(name);
        acquired = lock.tryLock(timeoutMicros, TimeUnit.MICROSECONDS);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        tryLockSince.remove(Thread.currentThread());
        failed("tryLock", e); // IllegalStateException after close, RedisException for an error reply (OOM, say)
        pause(holdMillis);
        continue;
      }
      long end = History.nowMicros();
      tryLockSince.remove(Thread.currentThread());
      history.waited(new Wait(client, thread, name, timeoutMicros, start, end, acquired));
      if (!acquired) {
        continue;
      }
      acquisitions.increment();
      long enter = end; // the section begins when tryLock returns, before the token is drawn
      long token;
      try {
        token = lock.fencingToken(); // drawn on demand: none for a hold whose lease was lost before it asked
      } catch (RuntimeException e) {
        token = -1;
      }
      boolean longOne = random.nextInt(25) == 0;
      pause(longOne ? settings.longHold().toMillis() : holdMillis / 2 + random.nextInt((int) Math.max(1, holdMillis / 2)));
      long exit = History.nowMicros();
      boolean leaseLost = !lock.isLeaseValid() || losses.wasLost(name, token);
      history.section(new CriticalSection(client, thread, name, token, enter, exit, leaseLost));
      try {
        lock.unlock();
      } catch (LeaseExpiredException e) {
        lostAtUnlock.increment();
      } catch (RuntimeException e) {
        failed("unlock", e);
      }
      pause(random.nextInt((int) Math.max(1, holdMillis / 2))); // let others in
    }
  }

  /**
   * Records every stretch in which a 10 ms sleep took 50 ms or more: the process was not running. And prints where
   * a tryLock that has overrun its timeout by 250 ms is stuck, once per call, for the report of a late wait.
   */
  private void measureHiccups() {
    Map<Thread, Long> reported = new java.util.HashMap<>();
    long overrunNanos = settings.waitTimeout().toNanos() + TimeUnit.MILLISECONDS.toNanos(250);
    while (running) {
      tryLockSince.forEach((thread, since) -> {
        if (System.nanoTime() - since > overrunNanos && !since.equals(reported.get(thread))) {
          reported.put(thread, since);
          StringBuilder trace = new StringBuilder("SLOW tryLock in " + client + "/" + thread.getName() + " at "
              + History.nowMicros() + " (started " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since)
              + " ms ago):");
          for (StackTraceElement frame : thread.getStackTrace()) {
            trace.append("\n    at ").append(frame);
          }
          System.err.println(trace);
        }
      });
      long before = History.nowMicros();
      try {
        Thread.sleep(10); // the meter's tick: how late it wakes up is what it measures
      } catch (InterruptedException e) {
        return;
      }
      long after = History.nowMicros();
      if (after - before >= 50_000) {
        history.hiccup(new Hiccup(client, before + 10_000, after));
      }
    }
  }

  private void failed(String call, RuntimeException e) {
    errors.computeIfAbsent(call + ": " + e.getClass().getSimpleName(), k -> new AtomicInteger()).incrementAndGet();
  }

  /**
   * The holder's work in a section, or the pause between turns: the load's pace. An interrupt (only from stop() of a
   * hung workload) ends the sleep and is kept.
   */
  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
