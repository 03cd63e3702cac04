package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The pub/sub side of Redlock: one {@link Subscriber} per server ({@link LettuceSubscriber}), seen by the {@link
 * WaiterRegistry} as one.
 * A subscription counts as made once a majority of servers confirmed it: a release runs on every server, and the
 * holder's majority overlaps any majority the waiter subscribed on, so the waiter hears it. Messages from any
 * server are passed on.
 *
 * <p>The registry expects one confirmation per SUBSCRIBE it asked for; it takes any other as Lettuce re-subscribing
 * after a reconnect (when a release may have gone unheard) and wakes the channel's waiters. So of the
 * confirmations of our own SUBSCRIBE only the majority-th is passed on; a confirmation that no SUBSCRIBE of ours
 * awaits on that server is a re-subscription there, and is passed on as one. Thread-safe.
 */
final class RedlockSubscriber implements Subscriber {
  private final List<Subscriber> servers;
  private final int majority;
  /** Per server, the channels whose SUBSCRIBE awaits that server's confirmation. */
  private final List<ConcurrentHashMap<String, Boolean>> awaited;
  /** Per channel, how many servers confirmed our latest SUBSCRIBE so far. */
  private final ConcurrentHashMap<String, AtomicInteger> confirmations = new ConcurrentHashMap<>();
  private volatile Subscriber.Listener registry;

  RedlockSubscriber(List<Subscriber> servers) {
    this.servers = List.copyOf(servers);
    this.majority = servers.size() / 2 + 1;
    this.awaited = servers.stream().map(s -> new ConcurrentHashMap<String, Boolean>()).toList();
  }

  /** Routes every server's messages and confirmations, combined as described above, to the registry. Call once. */
  @Override
  public void deliverTo(Subscriber.Listener registry) {
    this.registry = registry;
    for (int i = 0; i < servers.size(); i++) {
      int server = i;
      servers.get(i).deliverTo(new Subscriber.Listener() {
        @Override
        public void onMessage(String channel, String message) {
          registry.onMessage(channel, message);
        }

        @Override
        public void onSubscribed(String channel) {
          confirmed(server, channel);
        }
      });
    }
  }

  private void confirmed(int server, String channel) {
    if (awaited.get(server).remove(channel) == null) {
      registry.onSubscribed(channel); // re-subscribed after a reconnect of that server
      return;
    }
    AtomicInteger count = confirmations.get(channel);
    if (count != null && count.incrementAndGet() == majority) {
      registry.onSubscribed(channel);
    }
  }

  @Override
  public CompletionStage<Void> subscribe(String channel) {
    confirmations.put(channel, new AtomicInteger());
    CompletableFuture<Void> made = new CompletableFuture<>();
    AtomicInteger succeeded = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    for (int i = 0; i < servers.size(); i++) {
      awaited.get(i).put(channel, Boolean.TRUE);
      int server = i;
      servers.get(i).subscribe(channel).whenComplete((ok, failure) -> {
        if (failure == null) {
          if (succeeded.incrementAndGet() == majority) {
            made.complete(null);
          }
          return;
        }
        awaited.get(server).remove(channel); // no confirmation will come for this request
        if (failed.incrementAndGet() == servers.size() - majority + 1) {
          made.completeExceptionally(failure); // a majority can no longer confirm
        }
      });
    }
    return made;
  }

  @Override
  public void unsubscribe(String channel) {
    confirmations.remove(channel);
    for (int i = 0; i < servers.size(); i++) {
      awaited.get(i).remove(channel);
      servers.get(i).unsubscribe(channel);
    }
  }
}
