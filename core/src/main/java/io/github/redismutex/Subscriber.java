package io.github.redismutex;

import java.util.concurrent.CompletionStage;

/**
 * The pub/sub side of Redis as the {@link WaiterRegistry} sees it: one shared connection in production
 * ({@link LettuceSubscriber}), a fake in jcstress. Implementations deliver messages and (re)subscription
 * confirmations to the registry they were built for, and are thread-safe.
 */
interface Subscriber {
  /** Sends SUBSCRIBE; completes once Redis confirmed it, from then on messages of the channel arrive. */
  CompletionStage<Void> subscribe(String channel);

  /** Sends UNSUBSCRIBE without waiting for the answer. */
  void unsubscribe(String channel);

  /** Routes messages and subscription confirmations to {@code listener} (the registry). Call once. */
  void deliverTo(Listener listener);

  /** Where a subscriber delivers what its connection hears: the {@link WaiterRegistry}, or a combining subscriber. */
  interface Listener {
    /** A message on a subscribed channel that may mean a lock is free (or was handed to a waiter: "granted …"). */
    void onMessage(String channel, String message);

    /** Redis confirmed a subscription: one we asked for, or Lettuce's own again after a reconnect. */
    void onSubscribed(String channel);
  }
}
