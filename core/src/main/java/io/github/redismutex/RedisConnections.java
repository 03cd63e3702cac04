package io.github.redismutex;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SslOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.event.EventBus;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two connections of a {@link RedisLocks} (commands, and pub/sub for waking waiters) and what they tell about
 * the deployment: one server (standalone or Sentinel-managed) or a Redis Cluster. Owns the Lettuce client and its
 * resources when it created them; a borrowed client is left open. Thread-safe.
 *
 * <p>On a Cluster, releases are announced by PUBLISH, which the cluster bus carries to every node, so the cluster
 * pub/sub connection hears them whichever node it is on (and {@link NodeLocalSubscriber} also listens on the key's
 * primary, where they happen); keyspace notifications are node-local, so expiries are noticed by
 * the lease re-check ({@link WakeupMode#CHANNEL}).
 */
final class RedisConnections {
  private static final Logger log = LoggerFactory.getLogger(RedisConnections.class);
  private static final Pattern CLIENT_INFO_DB = Pattern.compile("(?:^|\\s)db=(\\d+)");

  final RedisClusterAsyncCommands<String, String> async;
  final StatefulRedisPubSubConnection<String, String> pubSub;
  final WakeupMode wakeupMode;
  final int database;
  final boolean cluster;
  final ServerFeatures features;
  private final StatefulConnection<String, String> commands;
  private final Function<String, CompletionStage<RedisClusterAsyncCommands<String, String>>> primaryOf;
  private final Subscriber subscriber;
  private final Runnable shutdownOwned;

  /** Whether the command connection is up now: nothing is sent while it is not (see {@link LettuceLockStore}). */
  boolean isConnected() {
    return commands.isOpen();
  }

  /**
   * The connection to the primary that holds {@code key} now: the command connection itself on one server; on a
   * cluster, the node connection to the slot's primary as this client knows it, which is also the one that carries
   * the slot's routed commands. A command sent on it that the node no longer serves is answered MOVED.
   */
  CompletionStage<RedisClusterAsyncCommands<String, String>> primaryOf(String key) {
    return primaryOf.apply(key);
  }

  /**
   * The pub/sub side over {@link #pubSub}, for the one deployment that uses these connections: {@link
   * LettuceSubscriber} on one server, {@link NodeLocalSubscriber} on a cluster.
   */
  Subscriber subscriber() {
    return subscriber;
  }

  /** The event executors of these connections' client: a timer that the client's shutdown stops. */
  ScheduledExecutorService timer() {
    return commands.getResources().eventExecutorGroup();
  }

  /** Lettuce's event bus of these connections' client: where (re)connects are announced. */
  EventBus events() {
    return commands.getResources().eventBus();
  }

  private RedisConnections(StatefulConnection<String, String> commands,
      RedisClusterAsyncCommands<String, String> async, StatefulRedisPubSubConnection<String, String> pubSub,
      WakeupMode wakeupMode, int database, boolean cluster, ServerFeatures features,
      Function<String, CompletionStage<RedisClusterAsyncCommands<String, String>>> primaryOf, Subscriber subscriber,
      Runnable shutdownOwned) {
    this.commands = commands;
    this.primaryOf = primaryOf;
    this.subscriber = subscriber;
    this.features = features;
    this.async = async;
    this.pubSub = pubSub;
    this.wakeupMode = wakeupMode;
    this.database = database;
    this.cluster = cluster;
    this.shutdownOwned = shutdownOwned;
  }

  /**
   * Resources for a client this library owns: reconnect quickly (10 ms doubling to 1 s, not Lettuce's 30 s), and
   * threads named after the owning instance ({@code <threadPrefix>-lettuce-<pool>-<n>}), daemons, stopped by close().
   */
  private static ClientResources ownedResources(String threadPrefix) {
    return ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .threadFactoryProvider(pool -> {
          AtomicInteger count = new AtomicInteger();
          return task -> {
            Thread thread = new Thread(task, threadPrefix + "-lettuce-" + pool + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          };
        })
        .build();
  }

  /**
   * Shuts an owned client and its resources down, each wait bounded: Lettuce's own {@code shutdown()} waits for its
   * connections' close without a limit, and close() must not hang.
   */
  private static void shutdown(AbstractRedisClient client, @Nullable ClientResources resources) {
    try {
      client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("the Lettuce client did not shut down within 5 s; its threads may linger", e);
    }
    if (resources != null) {
      shutdown(resources);
    }
  }

  private static void shutdown(ClientResources resources) {
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private static Runnable shutdownOf(AbstractRedisClient owned, @Nullable ClientResources resources) {
    return () -> shutdown(owned, resources);
  }

  /** A connect that failed half-way: closes what was opened and shuts an owned client down; returns the failure. */
  private static RuntimeException abandon(
      @Nullable StatefulConnection<?, ?> commands, Runnable shutdownOwned, RuntimeException failure) {
    if (commands != null) {
      closeBounded(commands, Duration.ofSeconds(5));
    }
    shutdownOwned.run();
    return failure;
  }

  /** One server: {@code uri} (owned client) or {@code borrowed}. */
  static RedisConnections standalone(@Nullable String uri, @Nullable RedisClient borrowed, Duration timeout,
      boolean configure, @Nullable SslOptions ssl, String threadPrefix) {
    refuseSslForBorrowed(borrowed, ssl);
    if (borrowed != null) {
      BorrowedClients.check(borrowed, borrowed.getOptions());
      return connect(borrowed, timeout, configure, () -> { });
    }
    ClientResources resources = ownedResources(threadPrefix);
    RedisClient client = ownedClient(resources, requireTarget(uri), ssl);
    return connect(client, timeout, configure, shutdownOf(client, resources));
  }

  /** The builder lets only one way to reach Redis through: without a borrowed client, its URIs were set. */
  private static <T> T requireTarget(@Nullable T uris) {
    if (uris == null) {
      throw new IllegalStateException("neither a URI nor a borrowed client");
    }
    return uris;
  }

  /**
   * Independent servers, for Redlock: one owned client each, all sharing one set of threads, which the last of
   * them to close shuts down. Every server must be reachable now; a failure closes what was opened.
   */
  static List<RedisConnections> independent(List<String> uris, Duration timeout, @Nullable SslOptions ssl,
      String threadPrefix) {
    ClientResources resources = ownedResources(threadPrefix);
    AtomicInteger open = new AtomicInteger(uris.size());
    Runnable closeOne = () -> {
      if (open.decrementAndGet() == 0) {
        shutdown(resources);
      }
    };
    List<RedisConnections> opened = new ArrayList<>();
    try {
      for (String uri : uris) {
        RedisClient client = ownedClient(resources, uri, ssl);
        opened.add(connect(client, timeout, false, () -> {
          shutdown(client, null);
          closeOne.run();
        }));
      }
      return opened;
    } catch (RuntimeException e) {
      opened.forEach(connections -> connections.close(Duration.ofSeconds(5)));
      for (int i = opened.size(); i < uris.size(); i++) {
        closeOne.run(); // the failed one shut its client down; the rest were never made
      }
      throw e;
    }
  }

  private static void refuseSslForBorrowed(@Nullable AbstractRedisClient borrowed, @Nullable SslOptions ssl) {
    if (borrowed != null && ssl != null) {
      throw new IllegalStateException("sslOptions(...) applies to the clients this library creates; a borrowed"
          + " client keeps its own: set them in its ClientOptions instead");
    }
  }

  /** @param ssl the trust material and client certificate for {@code rediss://}, or null for Lettuce's defaults */
  private static RedisClient ownedClient(ClientResources resources, String uri, @Nullable SslOptions ssl) {
    RedisClient client = RedisClient.create(resources, RedisURI.create(uri));
    // Fail fast while disconnected instead of queueing: callers retry with their own deadlines.
    ClientOptions.Builder options =
        ClientOptions.builder().disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    if (ssl != null) {
      options.sslOptions(ssl);
    }
    client.setOptions(options.build());
    return client;
  }

  private static RedisConnections connect(
      RedisClient client, Duration timeout, boolean configure, Runnable shutdownOwned) {
    StatefulRedisConnection<String, String> commands = null;
    try {
      commands = client.connect(StringCodec.UTF8);
      commands.setTimeout(timeout);
      WakeupMode mode = KeyspaceNotifications.choose(commands.sync(), configure);
      warnIfLocksCanBeEvicted(commands);
      int database = database(commands);
      ServerFeatures features = ServerFeatures.of(commands.sync().info("server"));
      StatefulRedisPubSubConnection<String, String> pubSub = client.connectPubSub(StringCodec.UTF8);
      RedisClusterAsyncCommands<String, String> async = commands.async();
      return new RedisConnections(commands, async, pubSub, mode, database, false, features,
          key -> CompletableFuture.completedFuture(async), new LettuceSubscriber(pubSub), shutdownOwned);
    } catch (RuntimeException e) {
      throw abandon(commands, shutdownOwned, e);
    }
  }

  /** A Redis Cluster: seed {@code uris} (owned client) or {@code borrowed}. */
  static RedisConnections cluster(@Nullable List<String> uris, @Nullable RedisClusterClient borrowed, Duration timeout,
      @Nullable SslOptions ssl, String threadPrefix) {
    refuseSslForBorrowed(borrowed, ssl);
    ClientResources resources = borrowed == null ? ownedResources(threadPrefix) : null;
    RedisClusterClient client = borrowed;
    if (client == null) {
      client = RedisClusterClient.create(resources, requireTarget(uris).stream().map(RedisURI::create).toList());
      ClusterClientOptions.Builder options = ClusterClientOptions.builder();
      if (ssl != null) {
        options.sslOptions(ssl);
      }
      client.setOptions(options
          .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
          // Follow failovers and slot moves: adaptive refresh on MOVED/ASK and on reconnects, and a periodic one.
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enableAllAdaptiveRefreshTriggers()
              .enablePeriodicRefresh(Duration.ofSeconds(5))
              .build())
          .build());
    }
    Runnable shutdownOwned = borrowed == null ? shutdownOf(client, resources) : () -> { };
    if (borrowed != null) {
      BorrowedClients.check(borrowed, borrowed.getOptions());
    }
    StatefulRedisClusterConnection<String, String> commands = null;
    try {
      commands = client.connect(StringCodec.UTF8);
      commands.setTimeout(timeout);
      ServerFeatures features = ServerFeatures.of(commands.sync().info("server"));
      StatefulRedisClusterPubSubConnection<String, String> pubSub = client.connectPubSub(StringCodec.UTF8);
      return new RedisConnections(commands, commands.async(), pubSub, WakeupMode.CHANNEL, 0, true, features,
          primaryOfSlot(commands), new NodeLocalSubscriber(pubSub), shutdownOwned);
    } catch (RuntimeException e) {
      throw abandon(commands, shutdownOwned, e);
    }
  }

  private static Function<String, CompletionStage<RedisClusterAsyncCommands<String, String>>> primaryOfSlot(
      StatefulRedisClusterConnection<String, String> cluster) {
    return key -> {
      int slot = SlotHash.getSlot(key);
      RedisClusterNode primary = cluster.getPartitions().getMasterBySlot(slot);
      if (primary == null) {
        return CompletableFuture.failedFuture(new RedisException("no primary known for hash slot " + slot));
      }
      return cluster.getConnectionAsync(primary.getUri().getHost(), primary.getUri().getPort())
          .thenApply(StatefulRedisConnection::async);
    };
  }

  /**
   * Logs a warning when the server may evict lock keys to free memory ({@code maxmemory-policy} {@code allkeys-*},
   * or {@code volatile-*}, which picks among keys with a TTL: every lock key has one): an evicted lock key lets a
   * second holder in, noticed by the first only at its next renewal. Returns whether it warned; where CONFIG is
   * refused, nothing can be told.
   */
  static boolean warnIfLocksCanBeEvicted(StatefulRedisConnection<String, String> connection) {
    String policy;
    try {
      policy = connection.sync().configGet("maxmemory-policy").getOrDefault("maxmemory-policy", "noeviction");
    } catch (RuntimeException e) {
      log.debug("CONFIG GET maxmemory-policy refused; cannot tell whether lock keys may be evicted", e);
      return false;
    }
    if (policy.startsWith("allkeys-") || policy.startsWith("volatile-")) {
      log.warn("maxmemory-policy is '{}': when memory runs short, Redis may evict lock keys, and an evicted lock"
          + " can be granted to a second holder before the first learns of it; use 'noeviction'", policy);
      return true;
    }
    return false;
  }

  /** The logical database of the connection, which names its keyspace channels. */
  private static int database(StatefulRedisConnection<String, String> connection) {
    try {
      Matcher db = CLIENT_INFO_DB.matcher(connection.sync().clientInfo());
      if (db.find()) {
        return Integer.parseInt(db.group(1));
      }
    } catch (RuntimeException e) {
      log.debug("CLIENT INFO unavailable (Redis before 6.2?); assuming database 0", e);
    }
    return 0;
  }

  /**
   * Closes the pub/sub connection, then the command connection, each waiting at most {@code timeout}, and, if
   * owned, shuts the client down.
   */
  void close(Duration timeout) {
    closeBounded(pubSub, timeout);
    closeBounded(commands, timeout);
    shutdownOwned.run();
  }

  /** Closes a connection, waiting at most {@code timeout}: Lettuce's own close() waits without a limit. */
  static void closeBounded(StatefulConnection<?, ?> connection, Duration timeout) {
    try {
      connection.closeAsync().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("a Redis connection did not close within {}", timeout, e);
    }
  }
}
