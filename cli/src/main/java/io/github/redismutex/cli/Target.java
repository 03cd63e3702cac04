package io.github.redismutex.cli;

import io.github.redismutex.RedisLocks;
import io.lettuce.core.RedisURI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The Redis server and key prefix to ask, checked before anything connects, and how to name the server in a message:
 * by host and port only, because the URI may carry a password, which this tool never prints.
 */
final class Target {
  private static final String MASK = "****";

  private final RedisURI uri;
  private final String prefix;
  private final List<String> secrets; // every spelling of the URI's credentials, longest first, for redact()

  private Target(RedisURI uri, String prefix, List<String> secrets) {
    this.uri = uri;
    this.prefix = prefix;
    this.secrets = secrets;
  }

  /**
   * Checks {@code uri} and {@code prefix} as the library would.
   *
   * @throws UsageException if {@code uri} is not a Redis URI or {@code prefix} not a key prefix
   */
  static Target of(String uri, String prefix) throws UsageException {
    List<String> secrets = secretsOf(uri);
    RedisURI parsed;
    try {
      parsed = RedisURI.create(uri);
    } catch (IllegalArgumentException e) {
      throw new UsageException("--uri (or REDIS_URL) is not a Redis URI: " + redact(secrets, e.getMessage()));
    }
    parsed.setTimeout(Session.TIMEOUT); // bounds the handshake (HELLO, AUTH, SELECT) too
    secrets.sort(Comparator.comparingInt(String::length).reversed());
    try {
      RedisLocks.builder().keyPrefix(prefix); // checks it, connecting nowhere
    } catch (IllegalArgumentException e) {
      throw new UsageException("--prefix: " + e.getMessage());
    }
    return new Target(parsed, prefix, secrets);
  }

  /** The server, with {@link Session#TIMEOUT} as its command timeout. */
  RedisURI uri() {
    return uri;
  }

  String prefix() {
    return prefix;
  }

  /** The server as messages name it: {@code host:port}, a socket path, or the sentinels; never credentials. */
  String where() {
    if (uri.getSocket() != null) {
      return uri.getSocket();
    }
    if (uri.getHost() != null) {
      return hostAndPort(uri);
    }
    List<String> sentinels = new ArrayList<>();
    uri.getSentinels().forEach(sentinel -> sentinels.add(hostAndPort(sentinel)));
    return "master '" + uri.getSentinelMasterId() + "' of the sentinels " + String.join(",", sentinels);
  }

  /**
   * {@code text} with the URI's password (and user info) masked: for the messages of exceptions, which this tool
   * did not write and so cannot vouch for.
   */
  String redact(String text) {
    return redact(secrets, text);
  }

  private static String redact(List<String> secrets, String text) {
    String redacted = text == null ? "" : text;
    for (String secret : secrets) {
      redacted = redacted.replace(secret, MASK);
    }
    return redacted;
  }

  private static String hostAndPort(RedisURI uri) {
    String host = uri.getHost();
    boolean bareIpv6 = host.indexOf(':') >= 0 && !host.startsWith("[");
    return (bareIpv6 ? "[" + host + "]" : host) + ":" + uri.getPort();
  }

  /**
   * The user info of {@code uri} ({@code scheme://USER:PASSWORD@host...}) and its password, as written and decoded
   * (where Lettuce takes them from), read from the text itself so that even a URI Lettuce cannot parse is masked in
   * its message.
   */
  private static List<String> secretsOf(String uri) {
    List<String> secrets = new ArrayList<>();
    int start = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (start < 0 || at <= start + 3) {
      return secrets;
    }
    String userInfo = uri.substring(start + 3, at);
    String password = userInfo.substring(userInfo.indexOf(':') + 1); // all of it when there is no user part
    for (String secret : List.of(userInfo, password, decoded(password))) {
      if (!secret.isEmpty() && !secrets.contains(secret)) {
        secrets.add(secret);
      }
    }
    return secrets;
  }

  private static String decoded(String text) {
    try {
      return URLDecoder.decode(text, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return text; // a malformed escape: masked as written
    }
  }
}
