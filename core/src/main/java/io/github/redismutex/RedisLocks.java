package io.github.redismutex;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entry point: one per application and Redis server, holding the connections every {@link RedisMutex} it hands
 * out shares, and the one background thread that renews their leases.
 *
 * <pre>{@code
 * try (RedisLocks locks = RedisLocks.connect("redis://127.0.0.1:6379")) {
 *   Lock lock = locks.mutex("orders:42");
 *   lock.lock();
 *   try {
 *     // ...
 *   } finally {
 *     lock.unlock();
 *   }
 * }
 * }</pre>
 *
 * <p>A {@code RedisLocks} opens two connections (commands, and pub/sub for waking waiters) and starts one thread,
 * {@code redis-mutex-N-watchdog}, plus, when it owns its Lettuce client, Lettuce's I/O threads, named
 * {@code redis-mutex-N-lettuce-...}. {@link #close()} stops them and, when it created the Lettuce client itself, the
 * client too; a client passed to {@link Builder#client} is borrowed and never closed.
 *
 * <p>Two instances are independent, as two processes would be, even inside one JVM. Thread-safe.
 */
public final class RedisLocks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisLocks.class);
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  /** The default lease: how long a lock outlives a process that died holding it. */
  public static final Duration DEFAULT_LEASE_TIME = Duration.ofSeconds(30);
  /** The shortest lease allowed: renewals every third of it must still have time to travel. */
  public static final Duration MIN_LEASE_TIME = Duration.ofMillis(100);
  /** The longest lease (and extension) allowed. */
  public static final Duration MAX_LEASE_TIME = Duration.ofDays(1);
  /** The default bound on waiting for any one Redis reply. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  /** The default number of consecutive hand-overs between threads of one instance that bypass Redis. */
  public static final int DEFAULT_MAX_LOCAL_HAND_OVERS = 8;

  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
  /** The longest close() waits (beyond the command timeout: no longer) for waiters and for unconfirmed releases. */
  private static final Duration CLEAN_UP_ON_CLOSE = Duration.ofSeconds(3);

  private final Deployment deployment;
  private final LockKeys keys;
  private final Lifecycle lifecycle = new Lifecycle();
  private final Background background;
  private final WaiterRegistry waiters;
  private final MutexSync sync;
  private final HeldLeases leases;
  private final LockQueries queries;
  private final Optional<Conditions> conditions;
  private final AutoCloseable reconnectWatch;
  private final Duration commandTimeout;

  private RedisLocks(Builder builder, String threadPrefix) {
    this(builder.deployment(threadPrefix), builder, threadPrefix);
  }

  /**
   * Wires the parts of an instance over {@code deployment}, which it owns from now on (closing it on failure too),
   * with the settings of {@code builder}. Also for the jcstress module, which passes an in-memory deployment.
   */
  RedisLocks(Deployment deployment, Builder builder, String threadPrefix) {
    this.deployment = deployment;
    this.keys = new LockKeys(builder.keyPrefix);
    this.commandTimeout = builder.commandTimeout;
    long leaseMillis = builder.leaseTime.toMillis();
    LockStore store = deployment.store();
    LockMetrics metrics = builder.metrics;
    LeaseLossReporter losses = new LeaseLossReporter(builder.leaseLostListener, metrics);
    this.background = new Background(store, deployment.cleanUpTargets(), losses, metrics, leaseMillis, commandTimeout,
        threadPrefix + "-watchdog");
    this.waiters = new WaiterRegistry(deployment.subscriber());
    deployment.subscriber().deliverTo(waiters);
    LockTable table = new LockTable(keys::lockKey);
    Collaborators parts =
        new Collaborators(store, waiters, background.watchdog, background.releases, losses, lifecycle, metrics);
    LockSettings settings = new LockSettings(leaseMillis, commandTimeout.toNanos(), deployment.database(),
        LockValue.processPart(LockValue.hostName()), builder.maxLocalHandOvers);
    this.sync = new MutexSync(table, parts, settings);
    this.leases = new HeldLeases(table, parts, settings);
    Replies replies = new Replies(commandTimeout);
    this.queries = new LockQueries(store, keys, replies, lifecycle);
    this.conditions = deployment.conditions().map(cs -> new Conditions(cs, waiters, leaseMillis, replies));
    this.reconnectWatch = deployment.onReconnect(background::reconnected);
  }

  /**
   * Connects with the defaults to the server at {@code uri} ({@code redis://host:port/db}, {@code rediss://…}).
   *
   * @param uri a Redis URI; {@code redis-sentinel://…} names a Sentinel deployment
   * @return the connected instance, which owns its Lettuce client; close it when done
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if {@code uri} is not a Redis URI or names a port outside 1 to 65535
   * @throws io.lettuce.core.RedisConnectionException if the server cannot be reached
   */
  public static RedisLocks connect(String uri) {
    return builder().uri(uri).build();
  }

  /**
   * Starts the settings of an instance: set exactly one way to reach Redis, then {@link Builder#build()}.
   *
   * @return a builder with the defaults
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The lock with this name. Any text of 1 to 1024 bytes in UTF-8 is a name: spaces, newlines, Unicode, glob
   * characters and braces included; different names never share a lock. No round trip; nothing is kept for a name
   * while no thread holds or awaits it.
   *
   * @param name the lock's name, shared by every process that uses the lock
   * @return a handle on the lock, for any thread of this JVM
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty, longer than 1024 bytes in UTF-8, or not valid Unicode
   * @throws IllegalStateException if this instance is closed
   */
  public RedisMutex mutex(String name) {
    LockKeys.checkName(name);
    lifecycle.checkOpen();
    return new RedisMutex(name, keys.lockKey(name), sync, leases, queries, conditions, commandTimeout,
        deployment.whyNoConditions());
  }

  /**
   * Who holds the lock with this name, from any client and without the holder's cooperation: host, process id,
   * thread, acquisition time, remaining lease and fencing token, read in one atomic step. Empty when the lock is
   * free. One round trip. For operators and diagnostics: the answer may be stale on arrival.
   *
   * @param name the lock's name, as given to {@link #mutex}
   * @return the holder, or empty when nobody holds the lock
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is not a valid lock name (see {@link #mutex})
   * @throws IllegalStateException if this instance is closed
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public Optional<LockInfo> inspect(String name) {
    LockKeys.checkName(name);
    return queries.inspect(name, keys.lockKey(name));
  }

  /**
   * Writes {@code value} at {@code key} only if {@code fencingToken} is not lower than the highest token that wrote
   * this key through this method before (kept at {@code key + ":fence"}), in one atomic step: the fenced write for a
   * resource stored in Redis. A holder paused past its lease, whose token is older than the next holder's, is then
   * refused. One round trip. On Redis Cluster give {@code key} a hash tag, e.g. <code>"{account:1}"</code>.
   *
   * @param key the resource's key, used as given (no prefix); not one of the locks' own keys
   * @param value the resource's new value
   * @param fencingToken from {@link RedisMutex#fencingToken()}
   * @return true if written, false if a higher token wrote the key before
   * @throws NullPointerException if {@code key} or {@code value} is null
   * @throws IllegalArgumentException if {@code key} is empty or has the shape of a lock's own key (it starts with
   *     the key prefix and a brace), or {@code fencingToken} is not positive
   * @throws IllegalStateException if this instance is closed
   * @throws io.lettuce.core.RedisException if Redis cannot be reached or does not answer within the command timeout
   */
  public boolean fencedSet(String key, String value, long fencingToken) {
    return queries.fencedSet(key, value, fencingToken);
  }

  /**
   * Stops lease renewal, wakes every waiting thread (their calls fail with {@link IllegalStateException}) and lets
   * them leave the locks' queues, sends once more the releases Redis has not confirmed (waiting at most about a
   * second for each), closes the connections and, if it created the Lettuce client, shuts it down. Locks still held
   * are not released: their keys expire within the lease, as if the process had died, because their holders may
   * still be in their critical sections. Threads queued locally behind a holder fail when it unlocks. Idempotent.
   */
  @Override
  public void close() {
    if (!lifecycle.close()) {
      return;
    }
    try {
      reconnectWatch.close();
    } catch (Exception e) {
      log.debug("stopping the reconnect watch failed", e);
    }
    Duration bound = commandTimeout.compareTo(CLEAN_UP_ON_CLOSE) < 0 ? commandTimeout : CLEAN_UP_ON_CLOSE;
    sync.close(bound);
    log.debug("{} releases unconfirmed at close; their keys expire by themselves", background.releases.flush(bound));
    background.close(CLOSE_TIMEOUT);
    deployment.close(CLOSE_TIMEOUT);
  }

  // Package-private views for tests, diagnostics and the jcstress module.

  WakeupMode wakeupMode() {
    return deployment.wakeupMode();
  }

  int localLockCount() {
    return sync.table().size();
  }

  int heldLeaseCount() {
    return background.watchdog.heldCount();
  }

  int subscribedChannelCount() {
    return waiters.channelCount();
  }

  long leasesFoundShortened() {
    return background.watchdog.foundShortened();
  }

  int unconfirmedReleaseCount() {
    return background.releases.size();
  }

  String keyOf(String name) {
    return keys.lockKey(LockKeys.checkName(name));
  }

  MutexSync sync() {
    return sync;
  }

  /**
   * Settings of a {@link RedisLocks}. Each setter checks its argument at once and throws {@link
   * NullPointerException} or {@link IllegalArgumentException} naming it, leaving the builder unchanged. Not
   * thread-safe.
   */
  public static final class Builder {
    private @Nullable String uri;
    private @Nullable RedisClient client;
    private @Nullable List<String> clusterUris;
    private @Nullable RedisClusterClient clusterClient;
    private @Nullable List<String> redlockUris;
    private Duration leaseTime = DEFAULT_LEASE_TIME;
    private String keyPrefix = LockKeys.DEFAULT_PREFIX;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private boolean configureKeyspaceNotifications = false;
    private @Nullable LeaseLostListener leaseLostListener;
    private int maxLocalHandOvers = DEFAULT_MAX_LOCAL_HAND_OVERS;
    private LockMetrics metrics = LockMetrics.NONE;
    private @Nullable SslOptions ssl;

    private Builder() {}

    /**
     * The server to connect to, as a Redis URI; the built instance owns its client. Excludes {@link #client}.
     *
     * @param uri {@code redis://host:port/db}, {@code rediss://…} for TLS, {@code redis-sentinel://…} for Sentinel
     * @return this builder
     */
    public Builder uri(String uri) {
      RedisUris.check("uri", uri);
      this.uri = uri;
      return this;
    }

    /**
     * A Lettuce client to borrow: used for the connections, never shut down by this library. Excludes {@link #uri}.
     *
     * @param client the client, with its default URI set; its owner shuts it down after closing the instance
     * @return this builder
     */
    public Builder client(RedisClient client) {
      this.client = Objects.requireNonNull(client, "client must not be null");
      return this;
    }

    /**
     * The seed nodes of a Redis Cluster, as Redis URIs; the built instance owns its cluster client. Each lock's keys
     * share one hash slot; releases are announced cluster-wide by PUBLISH. Excludes {@link #uri} and the clients.
     *
     * @param uris at least one seed node; the others are discovered
     * @return this builder
     * @throws NullPointerException if {@code uris} or one of them is null
     * @throws IllegalArgumentException if there is none, one is not a Redis URI, or one is repeated
     */
    public Builder cluster(String... uris) {
      this.clusterUris = RedisUris.checkAll("cluster", "a cluster seed URI", uris, 1);
      return this;
    }

    /**
     * Redlock: independent Redis primaries (at least 3; an odd number is best), as Redis URIs; a lock is held when a
     * majority of them hold it, so it survives the loss of a minority. Every server must be reachable when {@link
     * #build} connects. Conditions are not supported in this mode. Excludes {@link #uri}, {@link #cluster} and the
     * clients.
     *
     * @param uris one per server, each server named once
     * @return this builder
     * @throws NullPointerException if {@code uris} or one of them is null
     * @throws IllegalArgumentException if there are fewer than 3, one is not a Redis URI, or one is repeated
     */
    public Builder redlock(String... uris) {
      this.redlockUris = RedisUris.checkAll("redlock", "a redlock server URI", uris, 3);
      return this;
    }

    /**
     * A Lettuce cluster client to borrow, never shut down by this library. Excludes the other connection settings.
     *
     * @param clusterClient the client, with its seed URIs set; its owner shuts it down after closing the instance
     * @return this builder
     */
    public Builder clusterClient(RedisClusterClient clusterClient) {
      this.clusterClient = Objects.requireNonNull(clusterClient, "clusterClient must not be null");
      return this;
    }

    /**
     * How long a lock outlives a holder that stopped renewing it (default 30 s, from 100 ms to 1 day). Held locks are
     * renewed every third of it.
     *
     * @param leaseTime the lease of every lock of the instance
     * @return this builder
     */
    public Builder leaseTime(Duration leaseTime) {
      this.leaseTime = LockSettings.checkDuration("leaseTime", leaseTime, MIN_LEASE_TIME, MAX_LEASE_TIME);
      return this;
    }

    /**
     * Prepended to every lock key (default {@code "redis-mutex:"}); at most 256 bytes, without braces. Processes share
     * a lock when they use the same prefix and name.
     *
     * @param keyPrefix any text within those limits, the empty one included
     * @return this builder
     */
    public Builder keyPrefix(String keyPrefix) {
      this.keyPrefix = LockKeys.checkPrefix(keyPrefix);
      return this;
    }

    /**
     * The longest wait for any one Redis reply (default 2 s, from 1 ms to 10 minutes).
     *
     * @param commandTimeout the bound for every command the instance sends
     * @return this builder
     */
    public Builder commandTimeout(Duration commandTimeout) {
      this.commandTimeout =
          LockSettings.checkDuration("commandTimeout", commandTimeout, Duration.ofMillis(1), Duration.ofMinutes(10));
      return this;
    }

    /**
     * Whether to turn on keyspace notifications ({@code CONFIG SET notify-keyspace-events}, adding K, g, x, e to the
     * flags already set). Default false: no server setting is changed. Releases are announced on the library's own
     * channels either way and waiters re-check when the holder's lease runs out; notifications, used whenever the
     * server sends them, only let a waiter hear an expiry as it happens.
     *
     * @param configure true to add the flags when {@link #build} connects
     * @return this builder
     */
    public Builder configureKeyspaceNotifications(boolean configure) {
      this.configureKeyspaceNotifications = configure;
      return this;
    }

    /**
     * Told once for each held lock whose lease is lost while its holder still holds it (see {@link
     * LeaseLostListener}). Default: none; losses are logged at WARN either way.
     *
     * @param listener the one listener of the instance, replacing any set before
     * @return this builder
     */
    public Builder onLeaseLost(LeaseLostListener listener) {
      this.leaseLostListener = Objects.requireNonNull(listener, "listener must not be null");
      return this;
    }

    /**
     * How many times in a row a lock may pass from one thread of this instance straight to another that waits for
     * it, without a release and a new acquisition in Redis (default {@value #DEFAULT_MAX_LOCAL_HAND_OVERS}, from 0
     * to 1,000; 0 sends every hand-over through Redis). Such a hand-over costs no round trip; the lease, its
     * watchdog and its owner token carry over, each hold still draws its own {@linkplain RedisMutex#fencingToken()
     * fencing token}, and after that many the lock goes through Redis, where waiters of other processes get their
     * turn first.
     *
     * @param maxLocalHandOvers the most hand-overs in a row that bypass Redis
     * @return this builder
     */
    public Builder maxLocalHandOvers(int maxLocalHandOvers) {
      if (maxLocalHandOvers < 0 || maxLocalHandOvers > 1_000) {
        throw new IllegalArgumentException("maxLocalHandOvers must be from 0 to 1000, was " + maxLocalHandOvers);
      }
      this.maxLocalHandOvers = maxLocalHandOvers;
      return this;
    }

    /**
     * TLS for {@code rediss://} URIs of the clients this instance creates: trust material and a client certificate.
     * Default: the JVM's trust store, no client certificate. Not with a borrowed client, which keeps its own options.
     *
     * @param ssl Lettuce's TLS settings, for every server the instance connects to
     * @return this builder
     */
    public Builder sslOptions(SslOptions ssl) {
      this.ssl = Objects.requireNonNull(ssl, "ssl must not be null");
      return this;
    }

    /**
     * Micrometer meters for the locks of the instance, named {@code redis.mutex.*}: acquisitions by outcome, wait
     * and hold times, hand-overs by kind, waiters now, leases renewed and lost, wake-ups by cause, Redis errors
     * (see docs/metrics.md). Meters of one lock are tagged with its name, for the first 100 names; the others share
     * the tag {@code lock=other}. Default: no meters, and Micrometer need not be on the class path.
     *
     * @param registry where the meters are registered, when {@link #build} is called
     * @return this builder
     */
    public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      Objects.requireNonNull(registry, "registry must not be null");
      this.metrics = new MicrometerLockMetrics(registry);
      return this;
    }

    /**
     * Connects and returns the instance.
     *
     * @return the connected instance, which the caller closes
     * @throws IllegalStateException unless exactly one of {@link #uri}, {@link #cluster}, {@link #redlock} and a client
     *     was set, or if {@link #sslOptions} was set with a borrowed client
     * @throws io.lettuce.core.RedisConnectionException if the server cannot be reached
     */
    public RedisLocks build() {
      int targets = (uri != null ? 1 : 0) + (client != null ? 1 : 0) + (clusterUris != null ? 1 : 0)
          + (clusterClient != null ? 1 : 0) + (redlockUris != null ? 1 : 0);
      if (targets != 1) {
        throw new IllegalStateException(
            "exactly one of uri(...), client(...), cluster(...), clusterClient(...) and redlock(...) must be set");
      }
      // Connecting must not see the caller's interrupt (Lettuce's client resources swallow it): kept, and set again.
      boolean interrupted = Thread.interrupted();
      try {
        return new RedisLocks(this, "redis-mutex-" + INSTANCES.incrementAndGet());
      } finally {
        if (interrupted) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Connects to the deployment these settings name; the caller owns what it returns. */
    private Deployment deployment(String threadPrefix) {
      long leaseMillis = leaseTime.toMillis();
      if (redlockUris != null) {
        return new RedlockDeployment(RedisConnections.independent(redlockUris, commandTimeout, ssl, threadPrefix),
            leaseMillis, commandTimeout);
      }
      return new ServerDeployment(clusterUris != null || clusterClient != null
          ? RedisConnections.cluster(clusterUris, clusterClient, commandTimeout, ssl, threadPrefix)
          : RedisConnections.standalone(uri, client, commandTimeout, configureKeyspaceNotifications, ssl,
              threadPrefix),
          leaseMillis, commandTimeout);
    }
  }
}
