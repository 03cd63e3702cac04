package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The other process of cross-process tests. Commands:
 * <ul>
 *   <li>{@code hold URI PREFIX NAME LEASE_MS}: locks NAME, prints {@code HELD}, then waits to be killed;
 *   <li>{@code deposit URI PREFIX NAME BALANCE_KEY THREADS COUNT}: THREADS threads each make COUNT non-atomic
 *       deposits of 1 (GET, add, SET) inside the lock, then prints {@code DONE}.
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
        RedisLocks locks = RedisLocks.builder().uri(uri).keyPrefix(prefix)
            .leaseTime(Duration.ofMillis(Long.parseLong(args[4]))).build();
        locks.mutex(name).lock();
        System.out.println("HELD");
        Thread.sleep(Long.MAX_VALUE);
      }
      case "deposit" -> {
        try (RedisLocks locks = RedisLocks.builder().uri(uri).keyPrefix(prefix).build()) {
          deposit(locks, uri, name, args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]));
        }
        System.out.println("DONE");
      }
      default -> throw new IllegalArgumentException("unknown command " + args[0]);
    }
  }

  /** The blog post's deposit, made unsafe on purpose: read, add, write, with a yield in between. */
  public static void deposit(RedisLocks locks, String uri, String name, String balanceKey, int threads, int count)
      throws InterruptedException {
    RedisClient client = RedisClient.create(uri);
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      RedisCommands<String, String> redis = connection.sync();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Thread worker = new Thread(() -> {
          RedisMutex lock = locks.mutex(name);
          for (int i = 0; i < count; i++) {
            lock.lock();
            try {
              String balance = redis.get(balanceKey);
              long next = (balance == null ? 0 : Long.parseLong(balance)) + 1;
              Thread.yield();
              redis.set(balanceKey, Long.toString(next));
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
    } finally {
      client.shutdown();
    }
  }
}
