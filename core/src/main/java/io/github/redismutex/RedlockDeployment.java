package io.github.redismutex;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Redlock: independent Redis primaries, each with its own connections and {@link LettuceLockStore}, seen as one
 * through {@link RedlockLockStore} (a majority decides) and {@link RedlockSubscriber} (a subscription counts once a
 * majority confirmed it). Waiters mark locks as awaited but do not queue for direct hand-overs: each server would
 * hand the lock to a different waiter. Keyspace events of independent servers do not add up to one, so expiries
 * are noticed by the waiters' re-check when the majority's leases run out ({@link WakeupMode#CHANNEL}). No
 * conditions: their queues would need the same quorum logic.
 */
final class RedlockDeployment implements Deployment {
  private final List<RedisConnections> servers;
  private final List<LockStore> serverStores;
  private final RedlockLockStore store;
  private final RedlockSubscriber subscriber;

  RedlockDeployment(List<RedisConnections> servers, long leaseMillis, Duration commandTimeout) {
    this.servers = List.copyOf(servers);
    String instanceId = UUID.randomUUID().toString(); // under which its releases give way (release.lua)
    List<LettuceLockStore> stores = new ArrayList<>();
    List<Subscriber> subscribers = new ArrayList<>();
    for (RedisConnections server : servers) {
      LettuceLockStore serverStore = new LettuceLockStore(server.async, server::isConnected, false, server.features,
          instanceId,
          LettuceLockStore.Waiting.MARK, leaseMillis);
      ServerDeployment.preload(serverStore, commandTimeout);
      stores.add(serverStore);
      subscribers.add(server.subscriber());
    }
    this.serverStores = List.copyOf(stores);
    this.store = new RedlockLockStore(stores, servers.get(0).timer());
    this.subscriber = new RedlockSubscriber(subscribers);
  }

  @Override
  public LockStore store() {
    return store;
  }

  @Override
  public List<LockStore> cleanUpTargets() {
    return serverStores;
  }

  @Override
  public Optional<ConditionStore> conditions() {
    return Optional.empty();
  }

  @Override
  public String whyNoReadWrite() {
    return "read-write locks are not supported in Redlock mode: their scripts decide on one server, at once, from"
        + " the writer, its waiting rivals and every live reader; across independent servers each would see other"
        + " readers, and no majority argument for that is written and tested here";
  }

  @Override
  public String whyNoConditions() {
    return "conditions are not supported in Redlock mode";
  }

  @Override
  public Subscriber subscriber() {
    return subscriber;
  }

  @Override
  public WakeupMode wakeupMode() {
    return WakeupMode.CHANNEL;
  }

  @Override
  public int database() {
    return 0;
  }

  /** One watch per server's event bus; servers of one RedisLocks share their client resources, so one bus. */
  @Override
  public AutoCloseable onReconnect(Runnable action) {
    List<AutoCloseable> watches = servers.stream().map(RedisConnections::events).distinct()
        .map(bus -> servers.stream().filter(server -> server.events() == bus).findFirst().orElseThrow())
        .map(server -> ServerDeployment.onReconnect(server, action))
        .toList();
    return () -> {
      for (AutoCloseable watch : watches) {
        watch.close();
      }
    };
  }

  @Override
  public void close(Duration timeout) {
    servers.forEach(server -> server.close(timeout));
  }
}
