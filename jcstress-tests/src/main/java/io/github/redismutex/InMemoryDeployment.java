package io.github.redismutex;

import java.time.Duration;
import java.util.Optional;

/**
 * A {@link Deployment} over an {@link InMemoryLockStore} and an {@link InMemorySubscriber}: one simulated process's
 * connection to one simulated server, wired into a real {@link RedisLocks} exactly as a Lettuce one is.
 */
final class InMemoryDeployment implements Deployment {
  private final InMemoryLockStore store;
  private final InMemorySubscriber subscriber;
  private final WakeupMode mode;

  InMemoryDeployment(InMemoryLockStore store, InMemorySubscriber subscriber, WakeupMode mode) {
    this.store = store;
    this.subscriber = subscriber;
    this.mode = mode;
    store.connect(subscriber);
  }

  @Override
  public LockStore store() {
    return store;
  }

  @Override
  public Optional<ConditionStore> conditions() {
    return Optional.of(store);
  }

  @Override
  public Optional<ReadWriteStore> readWrite() {
    return Optional.of(store.readWrite());
  }

  @Override
  public Subscriber subscriber() {
    return subscriber;
  }

  @Override
  public WakeupMode wakeupMode() {
    return mode;
  }

  @Override
  public int database() {
    return 0;
  }

  @Override
  public AutoCloseable onReconnect(Runnable action) {
    return () -> { }; // an in-memory connection never drops
  }

  @Override
  public void close(Duration timeout) {
    // nothing to close
  }
}
