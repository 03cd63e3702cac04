package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import java.util.Objects;
import org.springframework.integration.support.locks.LockRegistry;

/**
 * A Spring Integration {@link LockRegistry} whose locks are {@link RedisMutex}es of one {@link RedisLocks}: a lock
 * shared by every thread of every process that uses the same Redis, key prefix and lock key.
 *
 * <pre>{@code
 * registry.executeLocked("orders:42", () -> ship(order));   // lockInterruptibly, run, unlock
 *
 * Lock lock = registry.obtain("orders:42");
 * if (lock.tryLock(5, TimeUnit.SECONDS)) {
 *   try {
 *     // only one thread of all processes runs here at a time
 *   } finally {
 *     lock.unlock();
 *   }
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> The lock name is {@code lockKey.toString()}, so the keys {@code "42"} and {@code 42} are one lock;
 * give keys a {@code toString()} that says what they stand for, the same in every process. The name is stored in
 * Redis under the key prefix of the {@code RedisLocks}; any text of 1 to 1024 bytes in UTF-8 is a name.
 *
 * <p><b>Ownership.</b> The registry borrows its {@code RedisLocks} and never closes it: whoever built the
 * {@code RedisLocks} closes it (in Spring Boot, the application context does). Locks obtained after that fail with
 * {@link IllegalStateException}.
 *
 * <p><b>The {@code executeLocked} helpers</b> of {@link LockRegistry} work as documented there: the plain ones wait
 * with {@link RedisMutex#lockInterruptibly()}, the ones with a {@code Duration} with
 * {@link RedisMutex#tryLock(long, java.util.concurrent.TimeUnit)} and throw {@link
 * java.util.concurrent.TimeoutException} when it runs out. If the lock's lease was lost while the task ran (the
 * process was paused past it), the unlock after the task throws {@link io.github.redismutex.LeaseExpiredException},
 * in place of whatever the task threw: another holder may have run at the same time.
 *
 * <p>Nothing is kept per key: a handle holds no resources, and two handles for one key are the same lock, so there
 * is nothing to expire or renew (leases are renewed in the background while held). Thread-safe.
 */
public final class RedisMutexLockRegistry implements LockRegistry<RedisMutex> {
  private final RedisLocks locks;

  /**
   * @param locks the connection to Redis whose locks this registry hands out; borrowed, never closed here
   * @throws NullPointerException if {@code locks} is null
   */
  public RedisMutexLockRegistry(RedisLocks locks) {
    this.locks = Objects.requireNonNull(locks, "locks must not be null");
  }

  /**
   * The lock named {@code lockKey.toString()}. No round trip.
   *
   * @throws NullPointerException if {@code lockKey} is null
   * @throws IllegalArgumentException if {@code lockKey.toString()} is null, empty, longer than 1024 bytes in UTF-8,
   *     or not valid Unicode
   * @throws IllegalStateException if the {@code RedisLocks} is closed
   */
  @Override
  public RedisMutex obtain(Object lockKey) {
    Objects.requireNonNull(lockKey, "lockKey must not be null");
    String name = lockKey.toString();
    if (name == null) {
      throw new IllegalArgumentException(
          "lockKey.toString() must not be null, was null for a " + lockKey.getClass().getName());
    }
    try {
      return locks.mutex(name);
    } catch (IllegalArgumentException e) {
      // Core names its argument "name"; here the caller's argument is the key. The key itself is left out: it may
      // be long, and it is the caller's own.
      throw new IllegalArgumentException("lockKey.toString() is not a valid lock name: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "RedisMutexLockRegistry";
  }
}
