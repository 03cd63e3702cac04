package io.github.redismutex.bench.driver;

import io.github.redismutex.bench.LockSystem;
import io.github.redismutex.bench.LockSystemFactory;
import io.github.redismutex.bench.Target;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * The floor: the least a Redis lock can do. Acquire is {@code SET key token NX PX lease}, retried after a 1 ms sleep
 * while taken; release is one compare-and-delete script. One round trip each way, no renewal, no re-entry, no
 * fairness, no wake-up: what is left of a cycle is the network and Lettuce.
 */
public final class FloorSystems implements LockSystemFactory {
  private static final String COMPARE_AND_DELETE =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

  @Override
  public List<String> systems() {
    return List.of("floor");
  }

  @Override
  public LockSystem open(String system, Target target) {
    RedisClient client = RedisClient.create(target.uri(0));
    StatefulRedisConnection<String, String> connection = client.connect();
    RedisCommands<String, String> redis = connection.sync();
    String release = redis.scriptLoad(COMPARE_AND_DELETE);
    return new FloorSystem(client, connection, redis, release, target.lease().toMillis());
  }

  private record FloorSystem(RedisClient client, StatefulRedisConnection<String, String> connection,
      RedisCommands<String, String> redis, String releaseSha, long leaseMillis) implements LockSystem {
    @Override
    public Lock lock(String name) {
      return new FloorLock(this, keyOf(name));
    }

    @Override
    public String keyOf(String name) {
      return "floor:" + name;
    }

    /** A floor of read holds would need reader counts and writer exclusion: scripts, no longer the floor. */
    @Override
    public ReadWriteLock readWriteLock(String name) {
      throw new UnsupportedOperationException("no read-write floor: SET NX has no shared holds");
    }

    @Override
    public boolean reentrant() {
      return false;
    }

    @Override
    public void close() {
      connection.close();
      client.shutdown(0, 2, TimeUnit.SECONDS);
    }
  }

  private static final class FloorLock implements Lock {
    private final FloorSystem system;
    private final String key;
    private volatile String token; // written by the holder after acquiring, read by the holder to release

    FloorLock(FloorSystem system, String key) {
      this.system = system;
      this.key = key;
    }

    @Override
    public void lock() {
      String mine = UUID.randomUUID().toString();
      SetArgs args = SetArgs.Builder.nx().px(system.leaseMillis);
      while (!"OK".equals(system.redis.set(key, mine, args))) {
        try {
          Thread.sleep(1);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      token = mine;
    }

    @Override
    public void unlock() {
      system.redis.evalsha(system.releaseSha, ScriptOutputType.INTEGER, new String[] {key}, token);
    }

    @Override
    public void lockInterruptibly() {
      throw new UnsupportedOperationException("the floor lock has lock() and unlock() only");
    }

    @Override
    public boolean tryLock() {
      throw new UnsupportedOperationException("the floor lock has lock() and unlock() only");
    }

    @Override
    public boolean tryLock(long time, TimeUnit unit) {
      throw new UnsupportedOperationException("the floor lock has lock() and unlock() only");
    }

    @Override
    public Condition newCondition() {
      throw new UnsupportedOperationException("the floor lock has lock() and unlock() only");
    }
  }
}
