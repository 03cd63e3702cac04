package io.github.redismutex;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Checks the Redis URIs a builder is given, before anything connects, without ever putting a password into a
 * message: Lettuce's own parse error repeats the whole URI, so it is replaced, not wrapped. Stateless.
 */
final class RedisUris {
  /** The user-info part of a URI, "user:password@" or "password@": what a message must not show. */
  private static final Pattern USER_INFO = Pattern.compile("(?<=://)[^/@]*@");

  private RedisUris() {}

  /**
   * Parses {@code uri}, checking that every port in it is from 1 to 65535.
   *
   * @param what the argument, for the message: "uri", "a cluster seed URI"
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if it is not a Redis URI, or a port is out of range; the message shows the URI
   *     with its user and password left out
   */
  static RedisURI check(String what, String uri) {
    Objects.requireNonNull(uri, what + " must not be null");
    RedisURI parsed;
    try {
      parsed = RedisURI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + " must be a Redis URI (redis://, rediss://, redis-sentinel://), was '"
          + redacted(uri) + "'"); // the cause is left out: its message holds the URI as given
    }
    List<Integer> ports = new ArrayList<>();
    if (parsed.getSentinels().isEmpty()) {
      ports.add(parsed.getPort());
    }
    parsed.getSentinels().forEach(sentinel -> ports.add(sentinel.getPort()));
    for (int port : ports) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException(
            what + " must name ports from 1 to 65535, was '" + redacted(uri) + "' (port " + port + ")");
      }
    }
    return parsed;
  }

  /** {@code uri} with its user-info (user and password) replaced by "***". */
  static String redacted(String uri) {
    return USER_INFO.matcher(uri).replaceFirst("***@");
  }
}
