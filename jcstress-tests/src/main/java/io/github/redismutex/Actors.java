package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/** What the jcstress actors share: timed lock calls, where an interrupt is a failure of the test, not an outcome. */
final class Actors {
  private Actors() {}

  /** As {@code lock.tryLock(timeout)}; jcstress never interrupts its actors, so an interrupt fails the test. */
  static boolean tryLock(Lock lock, Duration timeout) {
    try {
      return lock.tryLock(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("actor interrupted while acquiring " + lock, e);
    }
  }
}
