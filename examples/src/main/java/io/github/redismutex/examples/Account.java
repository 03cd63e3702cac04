package io.github.redismutex.examples;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;

/**
 * Account 1, whose balance (whole dollars) is a plain Redis string. A deposit is written the way the bank server in
 * the blog post writes it: read the balance, add, store it back. That is three steps, not one atomic {@code INCRBY},
 * on purpose: the demo is about a read-modify-write that needs a lock. (With one key and plain addition, real code
 * would use {@code INCRBY}; a lock is for the cases Redis cannot do in one command.)
 *
 * <p>One connection is shared by all threads of a JVM: Lettuce connections are thread-safe.
 */
final class Account implements AutoCloseable {
  static final String BALANCE_KEY = "demo:account:1:balance";

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;
  private final RedisCommands<String, String> redis;

  private Account(RedisClient client) {
    this.client = client;
    this.connection = client.connect();
    this.redis = connection.sync();
  }

  static Account connect(String redisUrl) {
    RedisClient client = RedisClient.create(redisUrl);
    try {
      return new Account(client);
    } catch (RuntimeException e) {
      shutdown(client);
      throw e;
    }
  }

  /** Sets the balance to $0, before each round. */
  void open() {
    redis.set(BALANCE_KEY, "0");
  }

  long balance() {
    String balance = redis.get(BALANCE_KEY);
    return balance == null ? 0 : Long.parseLong(balance);
  }

  /** Not atomic: another deposit that reads between our GET and our SET is overwritten by it, or overwrites it. */
  void deposit(long dollars) throws InterruptedException {
    long balance = balance();
    // The bank server "does some work" here. Without this pause the window between GET and SET is a few
    // microseconds and the race shows only now and then; with it, it shows every time.
    Thread.sleep(1);
    redis.set(BALANCE_KEY, Long.toString(balance + dollars));
  }

  /** Removes the balance key, so that a demo run against your own Redis (REDIS_URL) leaves nothing behind. */
  void delete() {
    redis.del(BALANCE_KEY);
  }

  /** The server's version, from INFO, for the first line of the output. */
  String serverVersion() {
    return redis.info("server").lines()
        .filter(line -> line.startsWith("redis_version:"))
        .map(line -> line.substring("redis_version:".length()).trim())
        .findFirst()
        .orElse("(unknown version)");
  }

  @Override
  public void close() {
    connection.close();
    shutdown(client);
  }

  /** Lettuce's shutdown() waits for its connections without a limit; the demo must not hang on its way out. */
  private static void shutdown(RedisClient client) {
    try {
      client.shutdownAsync(0, 1, java.util.concurrent.TimeUnit.SECONDS).get(5, java.util.concurrent.TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      System.err.println("the demo's Redis client did not shut down cleanly: " + e);
    }
  }
}
