package io.github.redismutex.cli;

import io.github.redismutex.RedisLocks;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * One run's connections to Redis: a Lettuce client of the tool's own, which a {@link RedisLocks} borrows for {@code
 * inspect}, and which also opens, on first use, the plain connection that {@code list} scans the keyspace with.
 *
 * <p>The client is set up for a one-shot tool: every connect and every reply bounded by {@link #TIMEOUT}, no
 * reconnects, commands refused while disconnected, so an unreachable Redis is an error within seconds instead of a
 * hang. The {@code RedisLocks} never changes the server's configuration (keyspace notifications stay as they are).
 */
final class Session implements AutoCloseable {
  static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final RedisClient client;
  private final RedisLocks locks;
  private StatefulRedisConnection<String, String> plain; // null until commands() is first called

  private Session(RedisClient client, RedisLocks locks) {
    this.client = client;
    this.locks = locks;
  }

  /**
   * Connects to the target.
   *
   * @throws io.lettuce.core.RedisException if Redis cannot be reached, does not answer in time, or refuses
   */
  static Session open(Target target) {
    RedisClient client = RedisClient.create(target.uri());
    client.setOptions(ClientOptions.builder()
        .autoReconnect(false)
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .socketOptions(SocketOptions.builder().connectTimeout(TIMEOUT).build())
        .timeoutOptions(TimeoutOptions.enabled(TIMEOUT))
        .build());
    try {
      RedisLocks locks = RedisLocks.builder()
          .client(client)
          .keyPrefix(target.prefix())
          .commandTimeout(TIMEOUT)
          .configureKeyspaceNotifications(false)
          .build();
      return new Session(client, locks);
    } catch (RuntimeException e) {
      shutdown(client);
      throw e;
    }
  }

  RedisLocks locks() {
    return locks;
  }

  /** Plain commands on a connection of this session's own (not the library's), opened on the first call. */
  RedisCommands<String, String> commands() {
    if (plain == null) {
      plain = client.connect(StringCodec.UTF8);
    }
    return plain.sync();
  }

  /**
   * Closes the connections and shuts the client down. A failure to do so is ignored: the answer is printed by then,
   * and the process exits right after, which closes whatever is left.
   */
  @Override
  public void close() {
    try {
      locks.close();
      if (plain != null) {
        plain.close();
      }
    } catch (RuntimeException e) {
      // ignored, as said above; the client is still shut down
    }
    shutdown(client);
  }

  private static void shutdown(RedisClient client) {
    try {
      client.shutdown(0, TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // ignored: see close()
    }
  }
}
