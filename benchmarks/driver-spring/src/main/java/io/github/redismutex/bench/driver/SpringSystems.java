package io.github.redismutex.bench.driver;

import io.github.redismutex.bench.LockSystem;
import io.github.redismutex.bench.LockSystemFactory;
import io.github.redismutex.bench.Target;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.redis.util.RedisLockRegistry;
import org.springframework.integration.redis.util.RedisLockRegistry.RedisLockType;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * Spring Integration's RedisLockRegistry, without a Spring context: a LettuceConnectionFactory, a registry per
 * system, in PUB_SUB or SPIN mode. {@code expireAfter} is the target's lease, and a renewal scheduler renews held
 * locks every third of it, as the watchdogs of the other systems do (without one, a Spring lock held longer than
 * {@code expireAfter} is silently lost).
 */
public final class SpringSystems implements LockSystemFactory {
  private static final String REGISTRY_KEY = "spring-lock";

  @Override
  public List<String> systems() {
    return List.of("spring-pubsub", "spring-spin");
  }

  @Override
  public LockSystem open(String system, Target target) {
    LettuceConnectionFactory connections =
        new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", target.firstPort()));
    connections.afterPropertiesSet();
    connections.start();
    ThreadPoolTaskScheduler renewals = new ThreadPoolTaskScheduler();
    renewals.setThreadNamePrefix("bench-spring-renewal-");
    renewals.setDaemon(true);
    renewals.initialize();
    RedisLockRegistry registry = new RedisLockRegistry(connections, REGISTRY_KEY, target.lease());
    registry.setRedisLockType(system.equals("spring-spin") ? RedisLockType.SPIN_LOCK : RedisLockType.PUB_SUB_LOCK);
    registry.setRenewalTaskScheduler(renewals);
    return new SpringSystem(registry, connections, renewals);
  }

  private record SpringSystem(RedisLockRegistry registry, LettuceConnectionFactory connections,
      ThreadPoolTaskScheduler renewals) implements LockSystem {
    @Override
    public Lock lock(String name) {
      return registry.obtain(name);
    }

    @Override
    public ReadWriteLock readWriteLock(String name) {
      throw new UnsupportedOperationException("RedisLockRegistry has no read-write lock");
    }

    @Override
    public String keyOf(String name) {
      return REGISTRY_KEY + ":" + name;
    }

    @Override
    public void close() {
      registry.destroy();
      renewals.shutdown();
      connections.destroy();
    }
  }
}
