package io.github.redismutex;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks, at {@code build()}, the options of a Lettuce client the application lends a {@link RedisLocks}, which the
 * library must not change (they are the application's, for all its connections). What it can make up for itself it
 * does: its own command timeout on its own connections, and commands are never sent while a connection is down
 * (see {@link LettuceLockStore}), so a borrowed client that queues them behaves as one that rejects them. What it
 * cannot is logged as a WARN that says what to change. Stateless.
 */
final class BorrowedClients {
  private static final Logger log = LoggerFactory.getLogger(BorrowedClients.class);

  /** A reconnect delay longer than this leaves locks unusable that long after a Redis restart. */
  static final Duration LONGEST_GOOD_RECONNECT_DELAY = Duration.ofSeconds(1);

  private BorrowedClients() {}

  /** Logs what the borrowed client's options cost the locks; returns the warnings, for tests. */
  static List<String> check(AbstractRedisClient client, ClientOptions options) {
    List<String> warnings = new ArrayList<>();
    if (!options.isAutoReconnect()) {
      warnings.add("the borrowed Lettuce client does not reconnect (ClientOptions.autoReconnect(false)): after a"
          + " disconnect every lock call fails until it is reconnected; turn autoReconnect on");
    }
    Duration delay = Duration.ZERO;
    for (int attempt = 1; attempt <= 20; attempt++) { // the longest delay of a reconnect series, as it grows
      Duration next = client.getResources().reconnectDelay().createDelay(attempt);
      delay = next.compareTo(delay) > 0 ? next : delay;
    }
    if (delay.compareTo(LONGEST_GOOD_RECONNECT_DELAY) > 0) {
      warnings.add("the borrowed Lettuce client waits up to " + delay + " between reconnect attempts: after a Redis"
          + " restart, lock calls fail (or wait) up to that long; give its ClientResources a shorter reconnectDelay,"
          + " e.g. Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS)");
    }
    warnings.forEach(log::warn);
    return warnings;
  }
}
