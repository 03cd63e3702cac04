package io.github.redismutex;

import io.lettuce.core.event.connection.ConnectionActivatedEvent;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * One server, standalone or managed by Sentinel, or one Redis Cluster: a command connection and a pub/sub connection
 * ({@link RedisConnections}), the {@link LettuceLockStore} over them, in which waiters queue for direct hand-overs,
 * and conditions. On a cluster, releases are announced by PUBLISH, which the cluster bus carries to every node, and
 * heard on the key's primary too ({@link NodeLocalSubscriber}); keyspace notifications are node-local, so expiries are
 * noticed by the lease re-check ({@link WakeupMode#CHANNEL}).
 */
final class ServerDeployment implements Deployment {
  private static final Logger log = LoggerFactory.getLogger(ServerDeployment.class);

  private final RedisConnections connections;
  private final LettuceLockStore store;
  private final LockStore lockStore; // the store, or the store confirming holds by replicas
  private final Subscriber subscriber;
  private final boolean acknowledged; // replicas must acknowledge holds

  /** How many replicas must confirm each hold, within how long ({@code RedisLocksBuilder.replicaAcknowledgements}). */
  record Acknowledgements(int replicas, long timeoutMillis) {}

  /** @param leaseMillis the owning RedisLocks' lease, which bounds the lease of a direct hand-over */
  ServerDeployment(RedisConnections connections, long leaseMillis, Duration commandTimeout,
      Optional<Acknowledgements> acknowledgements) {
    this.connections = connections;
    // the id under which this instance's releases give way to other instances' waiters (release.lua)
    String instanceId = UUID.randomUUID().toString();
    this.store = new LettuceLockStore(connections.async, connections::isConnected, connections.cluster,
        connections.features, instanceId,
        LettuceLockStore.Waiting.QUEUE, leaseMillis);
    this.lockStore = acknowledgements.<LockStore>map(asked -> new AcknowledgedLockStore(store, connections,
        leaseMillis, asked.replicas(), asked.timeoutMillis())).orElse(store);
    this.acknowledged = acknowledgements.isPresent();
    this.subscriber = connections.subscriber();
    preload(store, commandTimeout);
  }

  /** SCRIPT LOAD of every script, within the command timeout; where that fails they load on first use, by EVAL. */
  static void preload(LettuceLockStore store, Duration commandTimeout) {
    try {
      Deadline.afterNanos(commandTimeout.toNanos()).awaitUninterruptibly(store.preloadScripts());
    } catch (TimeoutException | RuntimeException e) {
      log.debug("SCRIPT LOAD failed; scripts load on first use by EVAL instead", e);
    }
  }

  @Override
  public LockStore store() {
    return lockStore;
  }

  @Override
  public Optional<ConditionStore> conditions() {
    return Optional.of(store);
  }

  /** Not with replica acknowledgement: read and write holds would be taken without the replicas' word. */
  @Override
  public Optional<ReadWriteStore> readWrite() {
    return acknowledged ? Optional.empty() : Optional.of(store);
  }

  @Override
  public String whyNoReadWrite() {
    return "read-write locks are not supported with replicaAcknowledgements: their holds would not wait for the"
        + " replicas to acknowledge them; use mutexes, or leave replica acknowledgement off";
  }

  @Override
  public Subscriber subscriber() {
    return subscriber;
  }

  @Override
  public WakeupMode wakeupMode() {
    return connections.wakeupMode;
  }

  @Override
  public int database() {
    return connections.database;
  }

  @Override
  public AutoCloseable onReconnect(Runnable action) {
    return onReconnect(connections, action);
  }

  /** The reconnects of one set of connections, as Lettuce's event bus announces them. */
  static AutoCloseable onReconnect(RedisConnections connections, Runnable action) {
    Disposable watch = connections.events().get()
        .filter(ConnectionActivatedEvent.class::isInstance)
        .subscribe(event -> action.run());
    return watch::dispose;
  }

  @Override
  public void close(Duration timeout) {
    connections.close(timeout);
  }
}
