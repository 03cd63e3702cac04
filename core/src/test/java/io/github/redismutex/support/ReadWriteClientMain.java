package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisReadWriteLock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * The other process of the read-write lock's cross-process tests. URI is a {@link Targets} string. Commands:
 * <ul>
 *   <li>{@code mix URI PREFIX NAME MILLIS THREADS WRITE_PERCENT SECTION_MS}: THREADS threads take the read or (one
 *       time in 100 / WRITE_PERCENT) the write lock for MILLIS, holding each for SECTION_MS; then every section is
 *       printed as {@code S <R|W> <start ns> <end ns> <wait ns>} (System.nanoTime, which is one clock for all
 *       processes of a Linux machine), then {@code DONE};
 *   <li>{@code read-hold URI PREFIX NAME LEASE_MS}: takes the read lock, prints {@code HELD}, waits to be killed;
 *   <li>{@code readers URI PREFIX NAME THREADS SECTION_MS}: THREADS threads take the read lock in turn without a gap,
 *       each holding it SECTION_MS, so some reader always holds it; prints {@code READING}, runs until killed.
 * </ul>
 */
public final class ReadWriteClientMain {
  private ReadWriteClientMain() {}

  public static void main(String[] args) throws Exception {
    String uri = args[1];
    String prefix = args[2];
    String name = args[3];
    switch (args[0]) {
      case "mix" -> {
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).build()) {
          for (String line : mix(locks.readWriteLock(name), Long.parseLong(args[4]), Integer.parseInt(args[5]),
              Integer.parseInt(args[6]), Long.parseLong(args[7]))) {
            System.out.println(line);
          }
        }
        System.out.println("DONE");
      }
      case "read-hold" -> {
        RedisLocks locks = Targets.builder(uri).keyPrefix(prefix)
            .leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build();
        locks.readWriteLock(name).readLock().lock();
        System.out.println("HELD");
        Thread.sleep(Long.MAX_VALUE); // holds the read lock until it is killed
      }
      case "readers" -> {
        RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).build();
        RedisReadWriteLock lock = locks.readWriteLock(name);
        int threads = Integer.parseInt(args[4]);
        long sectionMillis = Long.parseLong(args[5]);
        for (int i = 0; i < threads; i++) {
          long offset = sectionMillis * i / threads; // staggered: the holds overlap, the lock is never free of readers
          Thread reader = new Thread(() -> readForEver(lock.readLock(), offset, sectionMillis), "reader-" + i);
          reader.setDaemon(true);
          reader.start();
        }
        System.out.println("READING");
        Thread.sleep(Long.MAX_VALUE);
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  /** The mixed workload; its sections as lines. */
  public static List<String> mix(RedisReadWriteLock lock, long millis, int threads, int writePercent,
      long sectionMillis) throws InterruptedException {
    ConcurrentLinkedQueue<String> sections = new ConcurrentLinkedQueue<>();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(t * 31L + System.nanoTime());
      Thread thread = new Thread(() -> {
        while (System.nanoTime() - end < 0) {
          boolean write = random.nextInt(100) < writePercent;
          Lock chosen = write ? lock.writeLock() : lock.readLock();
          long asked = System.nanoTime();
          chosen.lock();
          long start = System.nanoTime();
          try {
            Thread.sleep(sectionMillis); // the section's work
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } finally {
            long done = System.nanoTime();
            chosen.unlock();
            sections.add("S " + (write ? "W" : "R") + " " + start + " " + done + " " + (start - asked));
          }
        }
      }, "mix-" + t);
      thread.start();
      running.add(thread);
    }
    for (Thread thread : running) {
      thread.join();
    }
    return new ArrayList<>(sections);
  }

  private static void readForEver(Lock readLock, long offsetMillis, long sectionMillis) {
    try {
      Thread.sleep(offsetMillis);
      while (true) {
        readLock.lock();
        try {
          Thread.sleep(sectionMillis);
        } finally {
          readLock.unlock();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
