package io.github.redismutex.cli;

import io.github.redismutex.RedisLocks;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One {@link RedisProcess} for the tests of a class ({@code @RegisterExtension static final LocalRedis redis}), with
 * a {@link RedisLocks} for holding locks and a plain connection for looking at keys. Tests keep apart by key prefix.
 */
final class LocalRedis implements BeforeAllCallback, AfterAllCallback {
  private RedisProcess process;
  private RedisLocks locks;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;

  @Override
  public void beforeAll(ExtensionContext context) {
    process = RedisProcess.start();
    client = RedisClient.create(process.uri());
    connection = client.connect();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (locks != null) {
      locks.close();
    }
    connection.close();
    client.shutdown();
    process.close();
  }

  String uri() {
    return process.uri();
  }

  /** The locks of the lock holders in the tests, under {@code prefix}. */
  RedisLocks locks(String prefix) {
    return RedisLocks.builder().uri(uri()).keyPrefix(prefix).build();
  }

  RedisCommands<String, String> commands() {
    return connection.sync();
  }
}
