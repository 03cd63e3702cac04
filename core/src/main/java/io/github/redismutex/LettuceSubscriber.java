package io.github.redismutex;

import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one pub/sub connection of a {@link RedisLocks}, however many threads wait on however many locks.
 * Lettuce subscribes again by itself after a reconnect; the registry hears of it through {@link
 * WaiterRegistry#onSubscribed}. Thread-safe.
 */
final class LettuceSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(LettuceSubscriber.class);

  /**
   * Keyspace events after which a lock key may be free without a release announcement. A release's own
   * {@code del} is left out (the release channel announces it, and waking twice costs an attempt), and so are
   * renewals ({@code expire}) and acquisitions ({@code set}).
   */
  private static final Set<String> FREEING_EVENTS = Set.of("expired", "evicted", "rename_from", "move_from");

  private final StatefulRedisPubSubConnection<String, String> connection;

  LettuceSubscriber(StatefulRedisPubSubConnection<String, String> connection) {
    this.connection = connection;
  }

  @Override
  public void deliverTo(Subscriber.Listener registry) {
    connection.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            if (!channel.startsWith("__keyspace@") || FREEING_EVENTS.contains(message)) {
              registry.onMessage(channel, message);
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
    // Fire and forget: a subscription left behind only brings messages nobody waits for, and ends with the connection.
    connection.async().unsubscribe(channel).whenComplete((ok, failure) -> {
      if (failure != null) {
        log.debug("UNSUBSCRIBE {} failed", channel, failure);
      }
    });
  }

}
