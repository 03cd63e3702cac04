package io.github.redismutex;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The one pub/sub connection of a {@link RedisLocks}, however many threads wait on however many locks.
 * Lettuce subscribes again by itself after a reconnect; the registry hears of it through {@link
 * WaiterRegistry#onSubscribed}. Thread-safe.
 */
final class LettuceSubscriber implements Subscriber {
  /**
   * Keyspace events after which a lock key may be free. Renewals ({@code expire}) and acquisitions ({@code set})
   * are filtered out: waking for them would only cost a useless attempt.
   */
  private static final Set<String> FREEING_EVENTS = Set.of("del", "expired", "evicted", "rename_from", "move_from");

  private final StatefulRedisPubSubConnection<String, String> connection;

  LettuceSubscriber(StatefulRedisPubSubConnection<String, String> connection) {
    this.connection = connection;
  }

  /** Routes messages and subscription confirmations of this connection to the registry. Call once. */
  void deliverTo(WaiterRegistry registry) {
    connection.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            if (!channel.startsWith("__keyspace@") || FREEING_EVENTS.contains(message)) {
              registry.onMessage(channel);
            }
          }

          @Override
          public void subscribed(String channel, long count) {
            registry.onSubscribed(channel);
          }
        });
  }

  @Override
  public CompletionStage<Void> subscribe(String channel) {
    return connection.async().subscribe(channel);
  }

  @Override
  public void unsubscribe(String channel) {
    connection.async().unsubscribe(channel);
  }

  void close() {
    connection.close();
  }
}
