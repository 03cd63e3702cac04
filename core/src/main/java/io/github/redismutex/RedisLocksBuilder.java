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

/**
 * Settings of a {@link RedisLocks}. Each setter checks its argument at once and throws {@link
 * NullPointerException} or {@link IllegalArgumentException} naming it, leaving the builder unchanged. Not
 * thread-safe.
 */
public final class RedisLocksBuilder {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private @Nullable String uri;
  private @Nullable RedisClient client;
  private @Nullable List<String> clusterUris;
  private @Nullable RedisClusterClient clusterClient;
  private @Nullable List<String> redlockUris;
  private Duration leaseTime = RedisLocks.DEFAULT_LEASE_TIME;
  private String keyPrefix = LockKeys.DEFAULT_PREFIX;
  private Duration commandTimeout = RedisLocks.DEFAULT_COMMAND_TIMEOUT;
  private boolean configureKeyspaceNotifications = false;
  private @Nullable LeaseLostListener leaseLostListener;
  private int maxLocalHandOvers = RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS;
  private LockMetrics metrics = LockMetrics.NONE;
  private @Nullable SslOptions ssl;
  private int acknowledgingReplicas; // 0: holds are not confirmed by replicas
  private Duration acknowledgementTimeout = Duration.ZERO;

  RedisLocksBuilder() {}

  /**
   * The server to connect to, as a Redis URI; the built instance owns its client. Excludes {@link #client}.
   *
   * @param uri {@code redis://host:port/db}, {@code rediss://…} for TLS, {@code redis-sentinel://…} for Sentinel
   * @return this builder
   */
  public RedisLocksBuilder uri(String uri) {
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
  public RedisLocksBuilder client(RedisClient client) {
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
  public RedisLocksBuilder cluster(String... uris) {
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
  public RedisLocksBuilder redlock(String... uris) {
    this.redlockUris = RedisUris.checkAll("redlock", "a redlock server URI", uris, 3);
    return this;
  }

  /**
   * A Lettuce cluster client to borrow, never shut down by this library. Excludes the other connection settings.
   *
   * @param clusterClient the client, with its seed URIs set; its owner shuts it down after closing the instance
   * @return this builder
   */
  public RedisLocksBuilder clusterClient(RedisClusterClient clusterClient) {
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
  public RedisLocksBuilder leaseTime(Duration leaseTime) {
    this.leaseTime = LockSettings.checkDuration("leaseTime", leaseTime, RedisLocks.MIN_LEASE_TIME, RedisLocks.MAX_LEASE_TIME);
    return this;
  }

  /**
   * Prepended to every lock key (default {@code "redis-mutex:"}); at most 256 bytes, without braces. Processes share
   * a lock when they use the same prefix and name.
   *
   * @param keyPrefix any text within those limits, the empty one included
   * @return this builder
   */
  public RedisLocksBuilder keyPrefix(String keyPrefix) {
    this.keyPrefix = LockKeys.checkPrefix(keyPrefix);
    return this;
  }

  /**
   * The longest wait for any one Redis reply (default 2 s, from 1 ms to 10 minutes).
   *
   * @param commandTimeout the bound for every command the instance sends
   * @return this builder
   */
  public RedisLocksBuilder commandTimeout(Duration commandTimeout) {
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
  public RedisLocksBuilder configureKeyspaceNotifications(boolean configure) {
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
  public RedisLocksBuilder onLeaseLost(LeaseLostListener listener) {
    this.leaseLostListener = Objects.requireNonNull(listener, "listener must not be null");
    return this;
  }

  /**
   * How many times in a row a lock may pass from one thread of this instance straight to another that waits for
   * it, without a release and a new acquisition in Redis (default {@value RedisLocks#DEFAULT_MAX_LOCAL_HAND_OVERS},
   * from 0
   * to 1,000; 0 sends every hand-over through Redis). Such a hand-over costs no round trip; the lease, its
   * watchdog and its owner token carry over, each hold still draws its own {@linkplain RedisMutex#fencingToken()
   * fencing token}, and after that many the lock goes through Redis, where waiters of other processes get their
   * turn first.
   *
   * @param maxLocalHandOvers the most hand-overs in a row that bypass Redis
   * @return this builder
   */
  public RedisLocksBuilder maxLocalHandOvers(int maxLocalHandOvers) {
    if (maxLocalHandOvers < 0 || maxLocalHandOvers > 1_000) {
      throw new IllegalArgumentException("maxLocalHandOvers must be from 0 to 1000, was " + maxLocalHandOvers);
    }
    this.maxLocalHandOvers = maxLocalHandOvers;
    return this;
  }

  /**
   * Makes every hold survive a failover to a replica that acknowledged it (default: off). An acquisition, a direct
   * hand-over, and each renewal, extension and fencing token count only once {@code replicas} replicas of the key's
   * primary confirm them within {@code timeout} ({@code WAIT}, written with the uncontended {@code SET NX}, or
   * pipelined with a renewal of the key: one more round trip for an acquisition that waited). An acquisition whose
   * confirmation falls short is retried as through an outage: {@code
   * lock()} waits, {@code tryLock(time)} returns false at its deadline, {@code tryLock()} throws; its key is released
   * as any abandoned attempt's. A renewal that falls short does not extend the lease; the next one tries again. For
   * one server with replicas, Sentinel and Cluster; not with {@link #redlock}, whose majority of independent servers
   * is its own safeguard. While a replica lags, this instance's other commands wait behind the WAITs, each up to
   * {@code timeout} (a renewal round sends one per 100 held locks).
   *
   * @param replicas how many replicas must confirm, from 1 to 16
   * @param timeout how long a confirmation may take, from 1 ms to a tenth of the lease time
   * @return this builder
   */
  public RedisLocksBuilder replicaAcknowledgements(int replicas, Duration timeout) {
    if (replicas < 1 || replicas > 16) {
      throw new IllegalArgumentException("replicas must be from 1 to 16, was " + replicas);
    }
    this.acknowledgementTimeout =
        LockSettings.checkDuration("timeout", timeout, Duration.ofMillis(1), RedisLocks.MAX_LEASE_TIME);
    this.acknowledgingReplicas = replicas;
    return this;
  }

  /**
   * TLS for {@code rediss://} URIs of the clients this instance creates: trust material and a client certificate.
   * Default: the JVM's trust store, no client certificate. Not with a borrowed client, which keeps its own options.
   *
   * @param ssl Lettuce's TLS settings, for every server the instance connects to
   * @return this builder
   */
  public RedisLocksBuilder sslOptions(SslOptions ssl) {
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
  public RedisLocksBuilder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
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
    checkAcknowledgements();
    // Connecting must not see the caller's interrupt (Lettuce's client resources swallow it): kept, and set again.
    boolean interrupted = Thread.interrupted();
    try {
      String threadPrefix = "redis-mutex-" + INSTANCES.incrementAndGet();
      return new RedisLocks(deployment(threadPrefix), this, threadPrefix);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** What the instance is built with, beside its deployment. */
  record Settings(Duration leaseTime, String keyPrefix, Duration commandTimeout,
      @Nullable LeaseLostListener leaseLostListener, int maxLocalHandOvers, LockMetrics metrics) {}

  Settings settings() {
    return new Settings(leaseTime, keyPrefix, commandTimeout, leaseLostListener, maxLocalHandOvers, metrics);
  }

  private void checkAcknowledgements() {
    if (acknowledgingReplicas == 0) {
      return;
    }
    if (redlockUris != null) {
      throw new IllegalStateException("replicaAcknowledgements(...) cannot be combined with redlock(...): Redlock's"
          + " servers are independent primaries, and a majority of them is what keeps a lock through a failure");
    }
    if (acknowledgementTimeout.compareTo(leaseTime.dividedBy(10)) > 0) {
      throw new IllegalStateException("the replicaAcknowledgements timeout must be at most a tenth of the lease"
          + " time (" + leaseTime.toMillis() + " ms), was " + acknowledgementTimeout.toMillis() + " ms");
    }
  }

  /** Connects to the deployment these settings name; the caller owns what it returns. */
  private Deployment deployment(String threadPrefix) {
    long leaseMillis = leaseTime.toMillis();
    if (redlockUris != null) {
      return new RedlockDeployment(RedisConnections.independent(redlockUris, commandTimeout, ssl, threadPrefix),
          leaseMillis, commandTimeout);
    }
    Optional<ServerDeployment.Acknowledgements> acknowledgements = acknowledgingReplicas == 0 ? Optional.empty()
        : Optional.of(new ServerDeployment.Acknowledgements(acknowledgingReplicas, acknowledgementTimeout.toMillis()));
    return new ServerDeployment(clusterUris != null || clusterClient != null
        ? RedisConnections.cluster(clusterUris, clusterClient, commandTimeout, ssl, threadPrefix)
        : RedisConnections.standalone(uri, client, commandTimeout, configureKeyspaceNotifications, ssl,
            threadPrefix),
        leaseMillis, commandTimeout, acknowledgements);
  }
}
