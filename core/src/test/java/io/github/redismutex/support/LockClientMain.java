package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * The other process of cross-process tests. URI is a {@link Targets} string: a server's URI, or a cluster's or Redlock
 * deployment's. Commands:
 * <ul>
 *   <li>{@code hold URI PREFIX NAME LEASE_MS}: locks NAME, prints {@code HELD}, then waits to be killed;
 *   <li>{@code deposit URI PREFIX NAME BALANCE_KEY THREADS COUNT}: THREADS threads each make COUNT non-atomic
 *       deposits of 1 (GET, add, SET) inside the lock, then prints {@code DONE};
 *   <li>{@code fence URI PREFIX NAME LIST_KEY THREADS COUNT}: THREADS threads each acquire COUNT times and, inside the
 *       lock, append their fencing token to LIST_KEY, then prints {@code DONE};
 *   <li>{@code paused-holder URI PREFIX NAME LEASE_MS RESOURCE_KEY}: locks NAME, prints {@code HELD <token>} and then
 *       obeys lines on standard input: {@code WRITE} (a fenced write of "first holder" to RESOURCE_KEY, prints
 *       {@code WRITE <written>}), {@code VALID} (prints {@code VALID <isLeaseValid>}), {@code UNLOCK} (prints
 *       {@code UNLOCKED} or {@code UNLOCK-FAILED <exception class> <message>}, then exits). A lost lease prints
 *       {@code LOST <name> <token>} from the listener;
 *   <li>{@code await-condition URI PREFIX NAME LEASE_MS CONDITION}: locks NAME, prints {@code WAITING}, awaits the
 *       condition, prints {@code SIGNALLED}, unlocks and exits;
 *   <li>{@code buffer URI PREFIX NAME PRODUCER COUNT}: produces COUNT items "PRODUCER-i" into the shared
 *       {@link BoundedBuffer} and consumes COUNT items from it, then prints {@code DONE}.
 * </ul>
 */
public final class LockClientMain {
  private LockClientMain() {}

  public static void main(String[] args) throws Exception {
    String uri = args[1];
    String prefix = args[2];
    String name = args[3];
    switch (args[0]) {
      case "hold" -> {
        RedisLocks locks = Targets.builder(uri).keyPrefix(prefix)
            .leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build();
        locks.mutex(name).lock();
        System.out.println("HELD");
        Thread.sleep(Long.MAX_VALUE); // the holder's work: it holds the lock until it is killed
      }
      case "deposit" -> {
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).build()) {
          deposit(locks, uri, name, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        }
        System.out.println("DONE");
      }
      case "fence" -> {
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).build()) {
          appendFencingTokens(locks, uri, name, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        }
        System.out.println("DONE");
      }
      case "paused-holder" -> pausedHolder(uri, prefix, name, Long.parseLong(args[4]), args[5]);
      case "await-condition" -> {
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix)
            .leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build()) {
          RedisMutex lock = locks.mutex(name);
          lock.lock();
          try {
            System.out.println("WAITING");
            lock.newCondition(args[5]).await();
            System.out.println("SIGNALLED");
          } finally {
            lock.unlock();
          }
        }
      }
      case "buffer" -> {
        try (RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).build()) {
          BoundedBuffer buffer = new BoundedBuffer(locks.mutex(name), uri, prefix);
          int count = Integer.parseInt(args[5]);
          Thread producer = new Thread(() -> buffer.produce(args[4], count));
          producer.start();
          buffer.consume(count);
          producer.join();
          buffer.close();
        }
        System.out.println("DONE");
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  /** Each thread acquires {@code count} times and, while holding the lock, appends its fencing token to a list. */
  public static void appendFencingTokens(RedisLocks locks, String uri, String name, String listKey, int threads,
      int count) throws InterruptedException {
    inCriticalSections(locks, uri, name, threads, count,
        (redis, lock) -> redis.rpush(listKey, Long.toString(lock.fencingToken())));
  }

  private static void pausedHolder(String uri, String prefix, String name, long leaseMillis, String resourceKey)
      throws Exception {
    RedisLocks locks = Targets.builder(uri).keyPrefix(prefix).leaseTime(Duration.ofMillis(leaseMillis))
        .onLeaseLost((lockName, token) -> System.out.println("LOST " + lockName + " " + token)).build();
    RedisMutex lock = locks.mutex(name);
    lock.lock();
    long token = lock.fencingToken();
    System.out.println("HELD " + token);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      switch (line) {
        case "WRITE" -> System.out.println("WRITE " + locks.fencedSet(resourceKey, "first holder", token));
        case "VALID" -> System.out.println("VALID " + lock.isLeaseValid());
        case "UNLOCK" -> {
          try {
            lock.unlock();
            System.out.println("UNLOCKED");
          } catch (RuntimeException e) {
            System.out.println("UNLOCK-FAILED " + e.getClass().getSimpleName() + " " + e.getMessage());
          }
          locks.close();
          return;
        }
        default -> throw new IllegalArgumentException("unknown line " + line);
      }
    }
  }

  /** The blog post's deposit, made unsafe on purpose: read, add, write, with a yield in between. */
  public static void deposit(RedisLocks locks, String uri, String name, String balanceKey, int threads, int count)
      throws InterruptedException {
    inCriticalSections(locks, uri, name, threads, count, (redis, lock) -> {
      String balance = redis.get(balanceKey);
      long next = (balance == null ? 0 : Long.parseLong(balance)) + 1;
      Thread.yield();
      redis.set(balanceKey, Long.toString(next));
    });
  }

  /** Runs {@code work} {@code count} times on each of {@code threads} threads, each time inside the lock. */
  private static void inCriticalSections(RedisLocks locks, String uri, String name, int threads, int count,
      BiConsumer<RedisClusterCommands<String, String>, RedisMutex> work) throws InterruptedException {
    try (Targets.Data data = Targets.data(uri)) {
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread worker = new Thread(() -> {
          RedisMutex lock = locks.mutex(name);
          for (int i = 0; i < count; i++) {
            lock.lock();
            try {
              work.accept(data.sync(), lock);
            } finally {
              lock.unlock();
            }
          }
        });
        workers.add(worker);
        worker.start();
      }
      for (Thread worker : workers) {
        worker.join();
      }
    }
  }
}
