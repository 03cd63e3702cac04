package io.github.redismutex.bench.driver;

import io.github.redismutex.bench.LockSystem;
import io.github.redismutex.bench.LockSystemFactory;
import io.github.redismutex.bench.Target;
import java.util.List;
import java.util.function.Consumer;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.redisson.Redisson;
import org.redisson.RedissonRedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's RLock in watchdog mode: lock() without a lease, renewed every third of {@code lockWatchdogTimeout}
 * (set to the target's lease). Otherwise Redisson's defaults, as an application would run it: on the cluster that
 * includes {@code checkLockSyncedSlaves}, a WAIT for the replica after each lock and unlock. Three deployments, as
 * redis-mutex's: one server, the harness's six-node cluster, and {@code RedissonRedLock} over one client per
 * independent server.
 */
public final class RedissonSystems implements LockSystemFactory {

  @Override
  public List<String> systems() {
    return List.of("redisson", "redisson-cluster", "redisson-redlock3");
  }

  @Override
  public LockSystem open(String system, Target target) {
    return switch (system) {
      case "redisson" ->
          new RedissonSystem(client(target, config -> config.useSingleServer().setAddress(target.uri(0))));
      case "redisson-cluster" ->
          new RedissonSystem(client(target, config -> config.useClusterServers().addNodeAddress(target.uris())));
      default -> new RedLockSystem(target.ports().stream()
          .map(port -> client(target, config -> config.useSingleServer().setAddress("redis://127.0.0.1:" + port)))
          .toList());
    };
  }

  private static RedissonClient client(Target target, Consumer<Config> servers) {
    Config config = new Config();
    servers.accept(config);
    config.setLockWatchdogTimeout(target.lease().toMillis());
    return Redisson.create(config);
  }

  private record RedissonSystem(RedissonClient client) implements LockSystem {
    @Override
    public Lock lock(String name) {
      return client.getLock(name);
    }

    /** {@code RReadWriteLock}: its read and write locks are RLocks, in watchdog mode as the mutex. */
    @Override
    public ReadWriteLock readWriteLock(String name) {
      return client.getReadWriteLock(name);
    }

    @Override
    public String keyOf(String name) {
      return name;
    }

    @Override
    public Boolean isHeldByCurrentThread(Lock lock) {
      return ((RLock) lock).isHeldByCurrentThread();
    }

    @Override
    public void close() {
      client.shutdown();
    }
  }

  /**
   * Redlock as Redisson's users run it: a {@code RedissonRedLock} of one RLock per client, each client on its own
   * server. Deprecated in Redisson 3.52 but still shipped, and
   * the Redlock Redisson offers; its multi-lock has no isHeldByCurrentThread.
   */
  private record RedLockSystem(List<RedissonClient> clients) implements LockSystem {
    @Override
    @SuppressWarnings("deprecation") // RedissonRedLock: see the class comment
    public Lock lock(String name) {
      return new RedissonRedLock(clients.stream().map(client -> client.getLock(name)).toArray(RLock[]::new));
    }

    @Override
    public ReadWriteLock readWriteLock(String name) {
      throw new UnsupportedOperationException("not measured on Redlock, where redis-mutex refuses read-write locks");
    }

    @Override
    public String keyOf(String name) {
      return name; // on each of the servers
    }

    @Override
    public void close() {
      clients.forEach(RedissonClient::shutdown);
    }
  }
}
