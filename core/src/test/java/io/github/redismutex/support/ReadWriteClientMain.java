package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisReadWriteLock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * The other process of the read-write lock's cross-process tests. URI is a {@link Targets} string. Commands:
 * <ul>
 *   <li>{@code mix URI PREFIX NAME MILLIS THREADS WRITE_PERCENT SECTION_MS [LEASE_MS]}: THREADS threads take the
 *       read or (one time in 100 / WRITE_PERCENT) the write lock for MILLIS (0: until a line {@code STOP} comes on
 *       standard input), holding each for SECTION_MS; then every
 *       section is printed as {@code S <R|W> <start ns> <end ns> <wait ns> <valid>} (System.nanoTime, which is one
 *       clock for all processes of a Linux machine; valid: 1 if the hold's lease was still valid at its end and its
 *       unlock found it so, else 0), then {@code DONE}; an unlock that fails is counted, never fatal; prints
 *       {@code STARTED} as the threads start;
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
        Duration lease = args.length > 8 ? Duration.ofMillis(Long.parseLong(args[8])) : RedisLocks.DEFAULT_LEASE_TIME;
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).leaseTime(lease).build()) {
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
    CountDownLatch stop = millis > 0 ? new CountDownLatch(0) : stopOnInput();
    System.out.println("STARTED");
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    List<Thread> running = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      SplittableRandom random = new SplittableRandom(t * 31L + System.nanoTime());
      Thread thread = new Thread(() -> {
        while (millis > 0 ? System.nanoTime() - end < 0 : stop.getCount() > 0) {
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
            boolean valid = write ? lock.writeLock().isLeaseValid() : lock.readLock().isLeaseValid();
            try {
              chosen.unlock();
            } catch (RuntimeException e) { // a lost lease, or Redis unreachable: the hold was not sure to the end
              valid = false;
            }
            sections.add("S " + (write ? "W" : "R") + " " + start + " " + done + " " + (start - asked) + " "
                + (valid ? 1 : 0));
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

  /** Counted down when a line "STOP" arrives on standard input. */
  private static CountDownLatch stopOnInput() {
    CountDownLatch stop = new CountDownLatch(1);
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
        for (String line = in.readLine(); line != null && !line.equals("STOP"); line = in.readLine()) {
          // only STOP means anything
        }
      } catch (IOException e) {
        // standard input closed: stop as well
      } finally {
        stop.countDown();
      }
    }, "stop-on-input");
    reader.setDaemon(true);
    reader.start();
    return stop;
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
