package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * One thread's wait for a lock that another owner holds: the channels that announce its release, and a signal
 * those announcements set. Created and closed by {@link WaiterRegistry}; only the waiting thread waits on it.
 *
 * <p>No lost wake-up: the waiter {@link #clear() clears} the signal before each acquisition attempt and waits
 * after it, so an announcement that arrives between the two leaves a permit behind and the wait returns at once.
 * Thread-safe.
 */
final class Waiter {
  final List<String> channels;
  /** Completes when every channel's subscription is confirmed; only then can no release go unseen. */
  final CompletableFuture<Void> subscribed;

  private final Semaphore signal = new Semaphore(0); // permits > 0: something happened since clear()

  Waiter(List<String> channels, CompletableFuture<Void> subscribed) {
    this.channels = channels;
    this.subscribed = subscribed;
  }

  /** Called from Redis I/O threads: never blocks. */
  void wake() {
    if (signal.availablePermits() == 0) {
      signal.release(); // two racing wakers may leave two permits: one extra attempt, never a missed one
    }
  }

  void clear() {
    signal.drainPermits();
  }

  /** Waits until woken or the time is up; true when woken. Interruptible. */
  boolean await(long nanos) throws InterruptedException {
    return signal.tryAcquire(nanos, TimeUnit.NANOSECONDS);
  }

  boolean isSubscribed() {
    return subscribed.isDone() && !subscribed.isCompletedExceptionally();
  }
}
