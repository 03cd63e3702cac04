package io.github.redismutex;

import java.time.Duration;
import java.util.Optional;
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
 * {@code redis-mutex-N-watchdog}, plus, on the first {@link RedisMutex#acquireAsync()}, {@code redis-mutex-N-async},
 * and, when it owns its Lettuce client, Lettuce's I/O threads, named {@code redis-mutex-N-lettuce-...}. {@link
 * #close()} stops them and, when it created the Lettuce client itself, the
 * client too; a client passed to {@link RedisLocksBuilder#client} is borrowed and never closed.
 *
 * <p>Two instances are independent, as two processes would be, even inside one JVM. Thread-safe.
 */
public final class RedisLocks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RedisLocks.class);

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
  private final AsyncThread asyncThread;
  private final AsyncSync async;
  private final HeldLeases leases;
  private final LockQueries queries;
  private final Optional<Conditions> conditions;
  private final Optional<ReadWriteLocks> readWriteLocks;
  private final AutoCloseable reconnectWatch;
  private final Duration commandTimeout;

  /**
   * Wires the parts of an instance over {@code deployment}, which it owns from now on and closes in {@link #close},
   * with the settings of {@code builder}. Also for the jcstress module, which passes an in-memory deployment.
   */
  RedisLocks(Deployment deployment, RedisLocksBuilder builder, String threadPrefix) {
    RedisLocksBuilder.Settings chosen = builder.settings();
    this.deployment = deployment;
    this.keys = new LockKeys(chosen.keyPrefix());
    this.commandTimeout = chosen.commandTimeout();
    long leaseMillis = chosen.leaseTime().toMillis();
    LockStore store = deployment.store();
    LockMetrics metrics = chosen.metrics();
    LeaseLossReporter losses = new LeaseLossReporter(chosen.leaseLostListener(), metrics);
    this.background = new Background(store, deployment.cleanUpTargets(), losses, metrics, leaseMillis, commandTimeout,
        threadPrefix + "-watchdog");
    this.waiters = new WaiterRegistry(deployment.subscriber());
    deployment.subscriber().deliverTo(waiters);
    LockTable table = new LockTable(keys::lockKey);
    Collaborators parts =
        new Collaborators(store, waiters, background.watchdog, background.releases, losses, lifecycle, metrics);
    LockSettings settings = new LockSettings(leaseMillis, commandTimeout.toNanos(), deployment.database(),
        LockValue.processPart(LockValue.hostName()), chosen.maxLocalHandOvers());
    this.sync = new MutexSync(table, parts, settings);
    this.leases = new HeldLeases(table, parts, settings);
    this.asyncThread = new AsyncThread(threadPrefix + "-async");
    this.async = new AsyncSync(parts, settings, leases, asyncThread);
    Replies replies = new Replies(commandTimeout);
    this.queries = new LockQueries(store, keys, replies, lifecycle);
    this.conditions = deployment.conditions().map(cs -> new Conditions(cs, waiters, leaseMillis, replies));
    this.readWriteLocks = deployment.readWrite().map(rw -> new ReadWriteLocks(rw, parts, settings, keys, asyncThread,
        queries, conditions, deployment.whyNoConditions()));
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
   * Starts the settings of an instance: set exactly one way to reach Redis, then {@link RedisLocksBuilder#build()}.
   *
   * @return a builder with the defaults
   */
  public static RedisLocksBuilder builder() {
    return new RedisLocksBuilder();
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
    return new RedisMutex(name, keys.lockKey(name), sync, async, leases, queries, conditions, commandTimeout,
        deployment.whyNoConditions());
  }

  /**
   * The read-write lock with this name: many readers or one writer, across processes (see {@link
   * RedisReadWriteLock}). Names as for {@link #mutex}; a read-write lock and a mutex of the same name are two
   * different locks. No round trip.
   *
   * @param name the lock's name, shared by every process that uses the lock
   * @return a handle on the lock, for any thread of this JVM
   * @throws NullPointerException if {@code name} is null
   * @throws IllegalArgumentException if {@code name} is empty, longer than 1024 bytes in UTF-8, or not valid Unicode
   * @throws IllegalStateException if this instance is closed
   * @throws UnsupportedOperationException in Redlock mode, or with replica acknowledgement (the message says why)
   */
  public RedisReadWriteLock readWriteLock(String name) {
    LockKeys.checkName(name);
    lifecycle.checkOpen();
    return readWriteLocks.orElseThrow(() -> new UnsupportedOperationException(deployment.whyNoReadWrite()))
        .lock(name);
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
   * them leave the locks' queues, fails every pending {@link RedisMutex#acquireAsync()} the same way (its stage
   * completes exceptionally with {@link IllegalStateException}) and takes it out of the queues too, sends once more
   * the releases Redis has not confirmed (waiting at most about a second for each), stops the threads, closes the
   * connections and, if it created the Lettuce client, shuts it down. Locks still held (by threads or {@link
   * LockHold}s) are not released: their keys expire within the lease, as if the process had died, because their
   * holders may still be in their critical sections. Threads queued locally behind a holder fail when it unlocks.
   * Idempotent.
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
    async.close(bound); // before the flush below: the clean-ups of the acquisitions it fails are sent once more
    sync.close(bound);
    readWriteLocks.ifPresent(rw -> rw.close(bound));
    log.debug("{} releases unconfirmed at close; their keys expire by themselves", background.releases.flush(bound));
    asyncThread.close(CLOSE_TIMEOUT);
    background.close(CLOSE_TIMEOUT);
    deployment.close(CLOSE_TIMEOUT);
  }

  // Package-private views for tests, diagnostics and the jcstress module.

  WakeupMode wakeupMode() {
    return deployment.wakeupMode();
  }

  int localLockCount() {
    return sync.table().size() + readWriteLocks.map(ReadWriteLocks::localHoldCount).orElse(0);
  }

  Optional<ReadWriteLocks> readWriteLocks() {
    return readWriteLocks;
  }

  int heldLeaseCount() {
    return background.watchdog.heldCount();
  }

  int asyncQueuedNameCount() {
    return async.queuedNameCount();
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
}
