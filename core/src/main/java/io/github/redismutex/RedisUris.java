package io.github.redismutex;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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

  /**
   * Checks a list of distinct URIs: at least {@code min}, each a Redis URI, none repeated.
   *
   * @param what the method, for the message: "cluster", "redlock"
   * @param each one of them, for the message: "a redlock server URI"
   */
  static List<String> checkAll(String what, String each, String[] uris, int min) {
    Objects.requireNonNull(uris, "uris must not be null");
    if (uris.length < min) {
      throw new IllegalArgumentException(what + " needs at least " + min + " URIs, was " + uris.length);
    }
    Set<String> distinct = new HashSet<>();
    for (int i = 0; i < uris.length; i++) {
      check(each, uris[i]);
      if (!distinct.add(uris[i])) { // the URIs may hold passwords: named by position only
        throw new IllegalArgumentException(what + " URIs must be distinct, but URI " + (i + 1) + " of " + uris.length
            + " repeats an earlier one");
      }
    }
    return List.of(uris);
  }

  /** {@code uri} with its user-info (user and password) replaced by "***". */
  static String redacted(String uri) {
    return USER_INFO.matcher(uri).replaceFirst("***@");
  }
}
