package io.github.redismutex;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the server can do, learnt once when a {@link RedisLocks} connects (from {@code INFO server}), so that no
 * command has to find out by failing and no reply is ever told apart by its message text. Immutable.
 *
 * @param setGet whether {@code SET ... NX GET} is understood (Redis 7.0 and later): then an uncontended acquisition
 *     is that one command, else acquire.lua
 */
record ServerFeatures(boolean setGet) {
  private static final Logger log = LoggerFactory.getLogger(ServerFeatures.class);
  private static final Pattern VERSION = Pattern.compile("(?m)^redis_version:(\\d+)\\.");

  /** The features of a server whose {@code INFO server} reads {@code info}; the oldest supported when unknown. */
  static ServerFeatures of(String info) {
    Matcher version = VERSION.matcher(info == null ? "" : info);
    if (!version.find()) {
      log.debug("INFO server names no redis_version; assuming a server before 7.0");
      return new ServerFeatures(false);
    }
    return new ServerFeatures(Integer.parseInt(version.group(1)) >= 7);
  }
}
