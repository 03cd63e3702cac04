package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import org.springframework.context.SmartLifecycle;

/**
 * Closes a {@link RedisLocks} that borrows a connection factory's client when the context stops, in the phase just
 * before the factory's own (phases stop from the highest down), so the locks close while their client still runs.
 * Components in later phases, such as a web server finishing its requests, stop before it and may still lock.
 *
 * <p>A {@code RedisLocks} does not reopen: after the context stops and starts again, its locks stay closed and
 * calls on them throw {@link IllegalStateException}.
 */
final class LocksStopBeforeFactory implements SmartLifecycle {
  private final RedisLocks locks;
  private final int phase; // the factory's phase + 1, saturated
  private volatile boolean running;

  LocksStopBeforeFactory(RedisLocks locks, int factoryPhase) {
    this.locks = locks;
    this.phase = factoryPhase == Integer.MAX_VALUE ? Integer.MAX_VALUE : factoryPhase + 1;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    locks.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return phase;
  }
}
