package io.github.redismutex.bench.driver;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;
import io.github.redismutex.RedisMutex;
import io.github.redismutex.bench.LockSystem;
import io.github.redismutex.bench.LockSystemFactory;
import io.github.redismutex.bench.Target;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * redis-mutex through its public API: one server (also with keyspace notifications turned on), a cluster (six nodes,
 * three primaries; also with replicas acknowledging every hold), and Redlock over three or five independent primaries.
 */
public final class RedisMutexSystems implements LockSystemFactory {
  private static final String KEY_PREFIX = "redis-mutex:";

  @Override
  public List<String> systems() {
    return List.of("redis-mutex", "redis-mutex-keyspace", "redis-mutex-cluster", "redis-mutex-acks-cluster",
        "redis-mutex-redlock3", "redis-mutex-redlock5");
  }

  @Override
  public LockSystem open(String system, Target target) {
    RedisLocksBuilder builder = RedisLocks.builder().leaseTime(target.lease()).keyPrefix(KEY_PREFIX);
    switch (system) {
      case "redis-mutex" -> builder.uri(target.uri(0));
      case "redis-mutex-keyspace" -> builder.uri(target.uri(0)).configureKeyspaceNotifications(true);
      case "redis-mutex-cluster" -> builder.cluster(target.uris());
      // as Redisson's cluster lock does by default: each hold waits for one replica (at most a tenth of the lease)
      case "redis-mutex-acks-cluster" -> builder.cluster(target.uris())
          .replicaAcknowledgements(1, target.lease().dividedBy(10));
      default -> builder.redlock(target.uris());
    }
    return new RedisMutexSystem(builder.build());
  }

  private record RedisMutexSystem(RedisLocks locks) implements LockSystem {
    @Override
    public Lock lock(String name) {
      return locks.mutex(name);
    }

    /** Refused by the library on Redlock (it says why), as an application would be. */
    @Override
    public ReadWriteLock readWriteLock(String name) {
      return locks.readWriteLock(name);
    }

    @Override
    public String keyOf(String name) {
      // the README's key scheme: prefix + "{" + name + "}" (benchmark names contain no braces or backslashes)
      return KEY_PREFIX + "{" + name + "}";
    }

    @Override
    public Boolean isHeldByCurrentThread(Lock lock) {
      return ((RedisMutex) lock).isHeldByCurrentThread();
    }

    @Override
    public void close() {
      locks.close();
    }
  }
}
