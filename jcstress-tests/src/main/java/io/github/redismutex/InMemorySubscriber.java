package io.github.redismutex;

import java.util.List;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake of the one pub/sub connection of a {@link RedisLocks} ({@link LettuceSubscriber}): the set of channels the
 * server has this connection subscribed to, and delivery of what an {@link InMemoryLockStore} publishes to the
 * {@link WaiterRegistry} it was made for.
 *
 * <p>The set changes when SUBSCRIBE or UNSUBSCRIBE is called, in call order, as Redis applies one connection's
 * commands in the order they were written. So a registry that sent them out of its reference-count order would
 * leave the set wrong for its waiters, and the jcstress tests compare the two. Only the confirmation can be held
 * back ({@link Confirmation#ON_DEMAND}), as a reply still on its way would be. Thread-safe.
 */
final class InMemorySubscriber implements Subscriber {

  /** When a SUBSCRIBE is confirmed to its caller. */
  enum Confirmation {
    /** Its reply is complete when {@link #subscribe} returns; the registry hears nothing more of it. */
    IMMEDIATE,
    /** Its reply completes at {@link #confirmPending()}, after the registry's subscribed callback. */
    ON_DEMAND
  }

  private record Pending(String channel, CompletableFuture<Void> reply) {}

  private final Confirmation confirmation;
  private final Set<String> subscribed = ConcurrentHashMap.newKeySet(); // the server's view of this connection
  private final Queue<Pending> pending = new ConcurrentLinkedQueue<>(); // ON_DEMAND: sent, not yet confirmed
  private final AtomicInteger redundantSubscribes = new AtomicInteger();
  private final AtomicInteger strayUnsubscribes = new AtomicInteger();
  private volatile Subscriber.Listener registry;

  InMemorySubscriber(Confirmation confirmation) {
    this.confirmation = confirmation;
  }

  /** Routes messages and confirmations to the registry. Call once, before anything is published. */
  @Override
  public void deliverTo(Subscriber.Listener registry) {
    this.registry = registry;
  }

  @Override
  public CompletionStage<Void> subscribe(String channel) {
    if (!subscribed.add(channel)) {
      redundantSubscribes.incrementAndGet();
    }
    if (confirmation == Confirmation.IMMEDIATE) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> reply = new CompletableFuture<>();
    pending.add(new Pending(channel, reply));
    return reply;
  }

  @Override
  public void unsubscribe(String channel) {
    if (!subscribed.remove(channel)) {
      strayUnsubscribes.incrementAndGet();
    }
  }

  /**
   * Confirms every SUBSCRIBE sent so far, in the order Lettuce reports one: the listener hears {@code subscribed}
   * before the caller's reply completes (seen on a real server: a fresh subscription's confirmation never looks
   * like a resubscription to {@link WaiterRegistry#onSubscribed}).
   */
  void confirmPending() {
    for (Pending p = pending.poll(); p != null; p = pending.poll()) {
      registry().onSubscribed(p.channel);
      p.reply.complete(null);
    }
  }

  /** Whether the server would send this connection a message published on the channel now. */
  boolean isSubscribed(String channel) {
    return subscribed.contains(channel);
  }

  /** How many of the channels the server has this connection subscribed to. */
  int subscribedCount(List<String> channels) {
    return (int) channels.stream().filter(subscribed::contains).count();
  }

  /** PUBLISH as the server handles it for this connection: delivered if subscribed, else dropped. */
  void publish(String channel, String message) {
    if (isSubscribed(channel)) {
      deliver(channel, message);
    }
  }

  /** A message the server sent this connection: reaches the registry even if an UNSUBSCRIBE has been sent since. */
  void deliver(String channel, String message) {
    registry().onMessage(channel, message);
  }

  /** SUBSCRIBEs of a channel already subscribed: harmless on Redis, but not what reference counting should send. */
  int redundantSubscribes() {
    return redundantSubscribes.get();
  }

  /** UNSUBSCRIBEs of a channel not subscribed: a count that dropped below what was subscribed. */
  int strayUnsubscribes() {
    return strayUnsubscribes.get();
  }

  private Subscriber.Listener registry() {
    return Objects.requireNonNull(registry, "deliverTo(registry) was not called");
  }
}
