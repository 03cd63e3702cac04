package io.github.redismutex.bench;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * One lock library connected to Redis, as one application would use it: every scenario talks to the systems through
 * this and nothing else. Two instances are two independent clients, as two processes would be.
 */
public interface LockSystem extends AutoCloseable {

  /** The lock of this name; cheap to call again. */
  Lock lock(String name);

  /**
   * The read-write lock of this name (the read-write scenario); cheap to call again.
   *
   * @throws UnsupportedOperationException if the library has none (reported as "not available", never faked with
   *     a mutex)
   */
  default ReadWriteLock readWriteLock(String name) {
    throw new UnsupportedOperationException("no read-write lock in this library");
  }

  /** The Redis key that holds the lock of this name while it is held (the recovery scenario reads its PTTL). */
  String keyOf(String name);

  /** Whether {@code lock} is held by the calling thread, if the library can say; null when it has no such call. */
  default Boolean isHeldByCurrentThread(Lock lock) {
    return null;
  }

  /** Whether {@link Lock#lock()} may be called again by the thread holding it (the re-entry scenario needs it). */
  default boolean reentrant() {
    return true;
  }

  @Override
  void close();
}
