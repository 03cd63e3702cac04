package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One acquisition's wait for a lock that another owner holds: the channels that announce its release, and a signal
 * those announcements set. Created and closed by {@link WaiterRegistry}; only the waiting thread waits on it, or,
 * for an acquisition that no thread waits for ({@link AsyncAcquisition}), its {@code onWake} callback is told.
 *
 * <p>No lost wake-up: the waiter {@link #clear() clears} the signal before each acquisition attempt and waits
 * after it, so an announcement that arrives between the two leaves a permit behind and the wait returns at once.
 * An asynchronous acquisition keeps the same order with its callback: every wake-up after the clear reaches it.
 * Thread-safe.
 */
final class Waiter {
  final List<String> channels;
  /** Completes when every channel's subscription is confirmed; only then can no release go unseen. */
  final CompletableFuture<Void> subscribed;

  private final Semaphore signal = new Semaphore(0); // permits > 0: something happened since clear()
  /** The latest direct hand-over announced on this waiter's channels, until it is taken. */
  private final AtomicReference<Grant> latestGrant = new AtomicReference<>();
  /** Told of every wake-up, after the signal is set; only hands off to an executor: it runs on Redis I/O threads. */
  private final @Nullable Runnable onWake;

  Waiter(List<String> channels, CompletableFuture<Void> subscribed, @Nullable Runnable onWake) {
    this.channels = channels;
    this.subscribed = subscribed;
    this.onWake = onWake;
  }

  /** Called from Redis I/O threads: never blocks. */
  void wake() {
    if (signal.availablePermits() == 0) {
      signal.release(); // two racing wakers may leave two permits: one extra attempt, never a missed one
    }
    if (onWake != null) {
      onWake.run();
    }
  }

  void clear() {
    signal.drainPermits();
  }

  /** Called from Redis I/O threads: records a hand-over, for {@link #takeGrant} to find. */
  void granted(Grant grant) {
    latestGrant.set(grant);
  }

  /** The latest announced hand-over if it went to {@code token}, else null; either way it is not returned again. */
  @Nullable Grant takeGrant(String token) {
    Grant grant = latestGrant.get();
    if (grant == null || !grant.token().equals(token)) {
      return null;
    }
    latestGrant.compareAndSet(grant, null); // a newer one that raced in stays for the next look
    return grant;
  }

  /** Waits until woken or the time is up; true when woken. Interruptible. */
  boolean await(long nanos) throws InterruptedException {
    return signal.tryAcquire(nanos, TimeUnit.NANOSECONDS);
  }

  boolean isSubscribed() {
    return subscribed.isDone() && !subscribed.isCompletedExceptionally();
  }
}
