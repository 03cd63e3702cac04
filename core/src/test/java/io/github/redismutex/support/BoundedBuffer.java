package io.github.redismutex.support;

import io.github.redismutex.RedisMutex;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;

/**
 * The bounded buffer of {@link Condition}'s Javadoc, with its items in a Redis list so that producers and consumers
 * in several processes share it, guarded by a {@link RedisMutex} with two named conditions. Every item taken is also
 * appended, inside the lock, to a "taken" list: the order in which all consumers took them.
 */
public final class BoundedBuffer implements AutoCloseable {
  public static final int CAPACITY = 5;

  private final RedisMutex lock;
  private final Condition notFull;
  private final Condition notEmpty;
  private final Targets.Data data; // the items, beside the lock's deployment
  private final String itemsKey;
  private final String takenKey;
  /** Wake-ups after which the awaited state did not hold: taken by another thread first, or spurious. */
  private final AtomicLong rewaits = new AtomicLong();

  /** @param target the lock's deployment ({@link Targets}), where the items are kept too */
  public BoundedBuffer(RedisMutex lock, String target, String prefix) {
    this.lock = lock;
    this.notFull = lock.newCondition("notFull");
    this.notEmpty = lock.newCondition("notEmpty");
    this.data = Targets.data(target);
    this.itemsKey = prefix + "buffer:items";
    this.takenKey = prefix + "buffer:taken";
  }

  public static String takenKey(String prefix) {
    return prefix + "buffer:taken";
  }

  public void put(String item) throws InterruptedException {
    RedisClusterCommands<String, String> redis = data.sync();
    lock.lock();
    try {
      while (redis.llen(itemsKey) == CAPACITY) {
        notFull.await();
        if (redis.llen(itemsKey) == CAPACITY) {
          rewaits.incrementAndGet();
        }
      }
      redis.rpush(itemsKey, item);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  public String take() throws InterruptedException {
    RedisClusterCommands<String, String> redis = data.sync();
    lock.lock();
    try {
      while (redis.llen(itemsKey) == 0) {
        notEmpty.await();
        if (redis.llen(itemsKey) == 0) {
          rewaits.incrementAndGet();
        }
      }
      String item = redis.lpop(itemsKey);
      redis.rpush(takenKey, item);
      notFull.signal();
      return item;
    } finally {
      lock.unlock();
    }
  }

  public long rewaits() {
    return rewaits.get();
  }

  public void produce(String producer, int count) {
    try {
      for (int i = 0; i < count; i++) {
        put(producer + "-" + i);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  public void consume(int count) {
    try {
      for (int i = 0; i < count; i++) {
        take();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    data.close();
  }
}
