package io.github.redismutex;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The threads of one {@link RedisLocks} that wait for a release, by channel, with reference-counted
 * subscriptions on the one shared pub/sub connection: the first waiter of a channel subscribes, the last one to
 * leave unsubscribes, so Redis never sends this JVM announcements nobody waits for.
 *
 * <p>Invariant: SUBSCRIBE and UNSUBSCRIBE are issued while {@link #lock} is held, in the order the reference
 * counts change, so the server's subscriptions follow the counts even when one channel is dropped and taken up
 * again at once. Thread-safe; {@link #onMessage} and {@link #onSubscribed} run on Redis I/O threads and never
 * block on anything but {@link #lock}, which is only ever held for map updates.
 */
final class WaiterRegistry implements Subscriber.Listener {
  private final Subscriber subscriber;
  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Subscription> subscriptions = new HashMap<>(); // guarded by lock
  private boolean closed; // guarded by lock

  /** A channel's waiters; present in the map exactly while it has at least one. */
  private static final class Subscription {
    final Set<Waiter> waiters = new LinkedHashSet<>();
    @Nullable CompletableFuture<Void> confirmed;
    // 1 while our SUBSCRIBE awaits its confirmation; a confirmation that finds 0 is Lettuce re-subscribing
    // after a reconnect, which is when announcements may have been lost
    int unconfirmedRequests;
  }

  WaiterRegistry(Subscriber subscriber) {
    this.subscriber = subscriber;
  }

  /**
   * Registers a waiter on the channels, subscribing to those nobody waits on yet. Returns at once: wait on
   * {@link Waiter#subscribed} before the acquisition attempt that must not miss a release.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  Waiter register(List<String> channels) {
    return register(channels, null);
  }

  /**
   * {@link #register(List)} for a waiter that no thread waits on: {@code onWake} is run on every wake-up, on a Redis
   * I/O thread (or close()'s), so it must only hand off to an executor, never block.
   *
   * @throws IllegalStateException after {@link #close()}
   */
  Waiter register(List<String> channels, @Nullable Runnable onWake) {
    lock.lock();
    try {
      if (closed) {
        throw new IllegalStateException("RedisLocks is closed");
      }
      List<CompletableFuture<Void>> confirmations = new ArrayList<>(channels.size());
      List<Subscription> joined = new ArrayList<>(channels.size());
      for (String channel : channels) {
        Subscription subscription = subscriptions.computeIfAbsent(channel, c -> new Subscription());
        if (subscription.confirmed == null || subscription.confirmed.isCompletedExceptionally()) {
          // first waiter, or an earlier SUBSCRIBE failed (Redis was down): ask again
          subscription.unconfirmedRequests = 1; // a failed request is never confirmed
          subscription.confirmed = subscriber.subscribe(channel).toCompletableFuture();
        }
        confirmations.add(subscription.confirmed);
        joined.add(subscription);
      }
      Waiter waiter =
          new Waiter(List.copyOf(channels), CompletableFuture.allOf(confirmations.toArray(CompletableFuture[]::new)),
              onWake);
      joined.forEach(s -> s.waiters.add(waiter));
      return waiter;
    } finally {
      lock.unlock();
    }
  }

  /** Removes the waiter; unsubscribes the channels it was the last waiter of. Idempotent. */
  void deregister(Waiter waiter) {
    lock.lock();
    try {
      for (String channel : waiter.channels) {
        Subscription subscription = subscriptions.get(channel);
        if (subscription != null && subscription.waiters.remove(waiter) && subscription.waiters.isEmpty()) {
          subscriptions.remove(channel);
          if (!closed) {
            subscriber.unsubscribe(channel);
          }
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * A message on a channel: wakes every waiter of it. A direct hand-over ("granted &lt;token&gt; &lt;lease
   * ms&gt;") is passed to each, for the one whose token it names.
   */
  @Override
  public void onMessage(String channel, String message) {
    Grant grant = Grant.parse(message);
    for (Waiter waiter : waitersOf(channel)) {
      if (grant != null) {
        waiter.granted(grant);
      }
      waiter.wake();
    }
  }

  /**
   * A subscription confirmed. After a reconnect Lettuce subscribes again by itself; announcements sent while the
   * connection was down are lost, so the waiters of a channel that was already live are woken to look again.
   */
  @Override
  public void onSubscribed(String channel) {
    boolean resubscribed;
    List<Waiter> waiters;
    lock.lock();
    try {
      Subscription subscription = subscriptions.get(channel);
      if (subscription == null) {
        // Lettuce re-subscribed after a reconnect to a channel whose UNSUBSCRIBE was refused while disconnected
        subscriber.unsubscribe(channel);
        return;
      }
      resubscribed = subscription.unconfirmedRequests == 0;
      if (!resubscribed) {
        subscription.unconfirmedRequests--;
      }
      waiters = new ArrayList<>(subscription.waiters);
    } finally {
      lock.unlock();
    }
    if (resubscribed) {
      waiters.forEach(Waiter::wake);
    }
  }

  /** Wakes every waiter, for instance so that each sees that its {@link RedisLocks} was closed. */
  void wakeAll() {
    for (Waiter waiter : allWaiters()) {
      waiter.wake();
    }
  }

  /** Refuses new waiters and wakes the present ones, which then find the registry closed. Idempotent. */
  void close() {
    lock.lock();
    try {
      closed = true;
    } finally {
      lock.unlock();
    }
    wakeAll();
  }

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Channels with at least one waiter: what the pub/sub connection is subscribed to. */
  int channelCount() {
    lock.lock();
    try {
      return subscriptions.size();
    } finally {
      lock.unlock();
    }
  }

  private List<Waiter> waitersOf(String channel) {
    lock.lock();
    try {
      Subscription subscription = subscriptions.get(channel);
      return subscription == null ? List.of() : new ArrayList<>(subscription.waiters);
    } finally {
      lock.unlock();
    }
  }

  private List<Waiter> allWaiters() {
    lock.lock();
    try {
      Set<Waiter> all = new LinkedHashSet<>();
      subscriptions.values().forEach(s -> all.addAll(s.waiters));
      return new ArrayList<>(all);
    } finally {
      lock.unlock();
    }
  }
}
