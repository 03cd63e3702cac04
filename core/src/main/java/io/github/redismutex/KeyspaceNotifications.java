package io.github.redismutex;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.sync.RedisCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the {@link WakeupMode} when a {@link RedisLocks} connects: reads {@code notify-keyspace-events} and, when
 * allowed, adds the flags waiters need with {@code CONFIG SET}, keeping every flag the server already had.
 * Stateless.
 */
final class KeyspaceNotifications {
  private static final Logger log = LoggerFactory.getLogger(KeyspaceNotifications.class);
  private static final String SETTING = "notify-keyspace-events";

  private KeyspaceNotifications() {}

  static WakeupMode choose(RedisCommands<String, String> redis, boolean mayConfigure) {
    String current;
    try {
      current = redis.configGet(SETTING).getOrDefault(SETTING, "");
    } catch (RedisCommandExecutionException e) {
      if (mayConfigure) {
        log.warn("keyspace notifications were asked for, but CONFIG GET was refused ({}); waiters notice expiries"
            + " when the holder's lease runs out", e.getMessage());
      } else {
        log.debug("CONFIG GET refused ({}); expiries are noticed at the lease re-check", e.getMessage());
      }
      return WakeupMode.CHANNEL;
    }
    String missing = missingFlags(current);
    if (missing.isEmpty()) {
      return WakeupMode.KEYSPACE;
    }
    if (!mayConfigure) {
      log.debug("keyspace notifications lack '{}' and configuring them is off; expiries are noticed at the lease"
          + " re-check", missing);
      return WakeupMode.CHANNEL;
    }
    try {
      redis.configSet(SETTING, current + missing);
      log.info("enabled keyspace notifications: {} '{}' -> '{}'", SETTING, current, current + missing);
      return WakeupMode.KEYSPACE;
    } catch (RedisCommandExecutionException e) {
      log.warn("keyspace notifications were asked for, but CONFIG SET was refused ({}); waiters notice expiries"
          + " when the holder's lease runs out", e.getMessage());
      return WakeupMode.CHANNEL;
    }
  }

  /**
   * Flags of {@code current} still needed: K (keyspace channel), g (del), x (expired), e (evicted). The alias
   * A stands for all event classes, g, x and e among them.
   */
  static String missingFlags(String current) {
    StringBuilder missing = new StringBuilder();
    if (current.indexOf('K') < 0) {
      missing.append('K');
    }
    if (current.indexOf('A') < 0) {
      for (char flag : new char[] {'g', 'x', 'e'}) {
        if (current.indexOf(flag) < 0) {
          missing.append(flag);
        }
      }
    }
    return missing.toString();
  }
}
