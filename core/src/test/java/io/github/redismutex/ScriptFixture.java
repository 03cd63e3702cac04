package io.github.redismutex;

import static org.assertj.core.api.Assertions.fail;

import io.github.redismutex.support.Clients;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * What the Lua script tests share: a {@link LettuceLockStore} on a connection of its own to the test server, a key
 * prefix and tokens unique to one test, and helpers to read, write and listen to Redis behind the store's back.
 *
 * <p>A JUnit extension: a script test class registers one as an instance field ({@code @RegisterExtension}); it
 * connects to the class's server (from {@link RedisExtension}) before each test and closes after it, so every test
 * has a key prefix and a connection of its own.
 */
final class ScriptFixture implements BeforeEachCallback, AfterEachCallback {
  static final long LEASE_MILLIS = 30_000;
  /** Shorter than {@link #LEASE_MILLIS}: a key set with it shows whether a script reset its lease. */
  static final long SHORT_TTL_MILLIS = 10_000;
  /** A condition waiter's heartbeat lease; between the other two, so each TTL shows which one set it. */
  static final long HEARTBEAT_MILLIS = 20_000;
  /** Slack for the time between setting a TTL and reading it back. */
  static final long SLACK_MILLIS = 2_000;
  /** The holder part of a lock key's value, as {@link LockValue#metadata} makes it; the thread name has spaces. */
  static final String METADATA = "1700000000000 4242 test-host a thread name with spaces";

  final String prefix = "lua-" + UUID.randomUUID() + ":";
  final String token = "token-" + UUID.randomUUID();
  final String otherToken = "other-" + UUID.randomUUID();
  /** Starts with {@link #token} but is another owner's: ownership is the value's "token + space" prefix. */
  final String longerToken = token + "0";
  /** The id of the RedisLocks the store under test stands for, which its releases give way under. */
  final String instanceId = "instance-" + UUID.randomUUID();
  /** The store under test. */
  LettuceLockStore store;
  /** Opened by {@link #listen}, for the tests that listen. */
  StatefulRedisPubSubConnection<String, String> pubSub;

  private RedisServer redis;
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;

  @Override
  public void beforeEach(ExtensionContext context) {
    redis = RedisExtension.serverFor(context);
    client = RedisClient.create(redis.uri());
    connection = client.connect();
    store = store(LettuceLockStore.Waiting.QUEUE);
  }

  /** A store under test on the fixture's connection, queueing waiters or only marking locks (Redlock's servers). */
  LettuceLockStore store(LettuceLockStore.Waiting waiting) {
    return new LettuceLockStore(connection.async(), connection::isOpen, false,
        ServerFeatures.of(redis.admin().info("server")),
        instanceId, waiting, LEASE_MILLIS);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (pubSub != null) {
      pubSub.close();
    }
    connection.close();
    Clients.shutdown(client);
  }

  /** A lock key under this test's prefix. */
  String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  /** Commands on the server's own connection, to read and set up keys behind the store's back. */
  RedisCommands<String, String> admin() {
    return redis.admin();
  }

  /** A waiting attempt's ticket, with a nonce of its own and no limit on the wait. */
  static LockStore.Ticket ticket() {
    return new LockStore.Ticket("nonce-" + UUID.randomUUID(), -1);
  }

  /** A lock key's value as acquire.lua writes it: "<token> <fencing token> <metadata>". */
  static String value(String token, long fencingToken) {
    return token + " " + fencingToken + " " + METADATA;
  }

  static Lease lease(String key, String token) {
    return new Lease(key, key, token, 1, System.nanoTime());
  }

  /** The queue of the condition the condition tests use, on the given lock key. */
  static String queue(String key) {
    return LockKeys.conditionQueueKey(key, "condition");
  }

  static String state(String key, String waiterId) {
    return LockKeys.waiterStateKey(key, waiterId);
  }

  static String channel(String key, String waiterId) {
    return LockKeys.waiterChannel(LockKeys.waiterStateKey(key, waiterId));
  }

  static <T> T reply(CompletionStage<T> reply) throws Exception {
    return reply.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  record Heard(String channel, String message) {}

  /** Opens the pub/sub connection; what it hears lands in the returned queue, in the order Redis sent it. */
  BlockingQueue<Heard> listen() {
    BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();
    pubSub = client.connectPubSub();
    pubSub.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            heard.add(new Heard(channel, message));
          }

          @Override
          public void message(String pattern, String channel, String message) {
            heard.add(new Heard(channel, message));
          }
        });
    return heard;
  }

  /** Listens to every channel, the empty channel name (which {@code *} does not match) included. */
  BlockingQueue<Heard> listenToEveryChannel() {
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().psubscribe("*");
    pubSub.sync().subscribe("");
    return heard;
  }

  /** Subscribes to the given channels by name, as the library does, and to the marker of {@link #heardBeforeMarker}. */
  BlockingQueue<Heard> listenTo(String... channels) {
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().subscribe(channels);
    pubSub.sync().subscribe(marker());
    return heard;
  }

  private String marker() {
    return prefix + "marker";
  }

  /**
   * Publishes a marker and returns what the pattern subscription heard before it, keyspace notifications aside.
   * Redis delivers one connection's messages in order, so anything the script published arrived before the marker.
   */
  List<Heard> heardBeforeMarker(BlockingQueue<Heard> heard) throws InterruptedException {
    String marker = marker();
    admin().publish(marker, "marker");
    List<Heard> before = new ArrayList<>();
    while (true) {
      Heard next = heard.poll(5, TimeUnit.SECONDS);
      if (next == null) {
        return fail("the marker published on %s never arrived; heard %s", marker, before);
      }
      if (next.channel().equals(marker)) {
        return before;
      }
      if (!next.channel().startsWith("__keyspace@") && !next.channel().startsWith("__keyevent@")) {
        before.add(next);
      }
    }
  }
}
