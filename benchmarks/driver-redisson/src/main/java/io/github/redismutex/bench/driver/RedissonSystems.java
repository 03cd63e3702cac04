package io.github.redismutex.bench.driver;

import io.github.redismutex.bench.LockSystem;
import io.github.redismutex.bench.LockSystemFactory;
import io.github.redismutex.bench.Target;
import java.util.List;
import java.util.concurrent.locks.Lock;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Redisson's RLock in watchdog mode: lock() without a lease, renewed every third of {@code lockWatchdogTimeout}
 * (set to the target's lease). Otherwise Redisson's defaults, as an application would run it.
 */
public final class RedissonSystems implements LockSystemFactory {

  @Override
  public List<String> systems() {
    return List.of("redisson");
  }

  @Override
  public LockSystem open(String system, Target target) {
    Config config = new Config();
    config.useSingleServer().setAddress(target.uri(0));
    config.setLockWatchdogTimeout(target.lease().toMillis());
    return new RedissonSystem(Redisson.create(config));
  }

  private record RedissonSystem(RedissonClient client) implements LockSystem {
    @Override
    public Lock lock(String name) {
      return client.getLock(name);
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
}
