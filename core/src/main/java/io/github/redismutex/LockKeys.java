package io.github.redismutex;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Maps lock names to Redis keys and channels, and checks names and prefixes.
 *
 * <p>The lock key of name {@code n} is {@code prefix + "{" + escape(n) + "}"}, where {@code escape} turns
 * {@code \} into {@code \\}, <code>{</code> into {@code \(} and <code>}</code> into {@code \)}. So:
 * <ul>
 *   <li>the braces around the escaped name are a Redis Cluster hash tag: every key and channel of one lock
 *       (the lock key, and later keys made by appending {@code ":" + suffix}) hashes to one slot, also for names
 *       that contain braces themselves, because the escaped name never does;
 *   <li>the mapping is injective: two different names never share a key, and no lock key ends in anything but
 *       <code>}</code>, so an appended suffix never collides with another name's lock key.
 * </ul>
 * Names are any text of 1 to {@value #MAX_NAME_BYTES} bytes in UTF-8 (spaces, newlines, {@code *?[}, braces and
 * any Unicode included); a string with an unpaired surrogate is rejected because it has no UTF-8 form and two
 * such names would share a key. Immutable and thread-safe.
 */
final class LockKeys {
  static final int MAX_NAME_BYTES = 1024;
  static final int MAX_PREFIX_BYTES = 256;
  static final String DEFAULT_PREFIX = "redis-mutex:";

  private final String prefix;

  LockKeys(String prefix) {
    this.prefix = checkPrefix(prefix);
  }

  String prefix() {
    return prefix;
  }

  /** The lock key of a name that {@link #checkName(String)} accepted. */
  String lockKey(String name) {
    StringBuilder key = new StringBuilder(prefix.length() + name.length() + 8).append(prefix).append('{');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '\\' -> key.append("\\\\");
        case '{' -> key.append("\\(");
        case '}' -> key.append("\\)");
        default -> key.append(c);
      }
    }
    return key.append('}').toString();
  }

  /**
   * Whether {@code key} has the shape of a key this library writes under its prefix: a lock key or one made from
   * it (<code>prefix + "{" + ...</code>). Such keys are the locks' own: {@link RedisLocks#fencedSet} must not write
   * them.
   */
  boolean isLockSpace(String key) {
    return key.startsWith(prefix + "{");
  }

  /** The channel release.lua announces a release on, when somebody waits. */
  static String releaseChannel(String lockKey) {
    return lockKey + ":released";
  }

  /** The counter that hands out a lock's fencing tokens; it never expires, so tokens outlive the lock key. */
  static String fenceKey(String lockKey) {
    return lockKey + ":fence";
  }

  /** A condition's queue of waiter ids. Condition names are checked like lock names ({@link #checkName}). */
  static String conditionQueueKey(String lockKey, String conditionName) {
    return lockKey + ":cond:" + conditionName + ":queue";
  }

  /** A condition waiter's state ('waiting', 'signalled'), alive while it heartbeats. */
  static String waiterStateKey(String lockKey, String waiterId) {
    return lockKey + ":waiter:" + waiterId;
  }

  /** The channel a condition waiter is signalled on. */
  static String waiterChannel(String waiterStateKey) {
    return waiterStateKey + ":signal";
  }

  /** The key whose presence tells release.lua that somebody may be waiting (set by acquire.lua). */
  static String waitersKey(String lockKey) {
    return lockKey + ":waiters";
  }

  /** The lock's queue of waiting owner tokens that release.lua hands the lock to, oldest first (set by acquire.lua). */
  static String queueKey(String lockKey) {
    return lockKey + ":queue";
  }

  /** The queued waiters' tickets (nonce, freshness, holder metadata) by owner token (set by acquire.lua). */
  static String ticketsKey(String lockKey) {
    return lockKey + ":tickets";
  }

  /**
   * The write key of the read-write lock whose mutex key is {@code lockKey}: the writer's value, as a mutex key holds
   * its holder's. A read-write lock and a mutex of the same name are two locks.
   */
  static String writeKey(String lockKey) {
    return lockKey + ":rw";
  }

  /** The set of a read-write lock's reader tokens (acquire-read.lua). */
  static String readersKey(String writeKey) {
    return writeKey + ":readers";
  }

  /** One read hold's key, with the hold's own lease. */
  static String readerKey(String writeKey, String token) {
    return writeKey + ":r:" + token;
  }

  /** The keyspace-notification channel of a key in the given logical database. */
  static String keyspaceChannel(int database, String lockKey) {
    return "__keyspace@" + database + "__:" + lockKey;
  }

  static String checkName(String name) {
    return checkName("name", name);
  }

  /** Checks a lock or condition name; {@code what} names the argument in the message. */
  static String checkName(String what, String name) {
    Objects.requireNonNull(name, what + " must not be null");
    if (name.isEmpty()) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    checkText(what, name, MAX_NAME_BYTES);
    return name;
  }

  static String checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "keyPrefix must not be null");
    if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      throw new IllegalArgumentException(
          "keyPrefix must not contain '{' or '}' (the library places the Redis Cluster hash tag itself), was '"
              + prefix
              + "'");
    }
    checkText("keyPrefix", prefix, MAX_PREFIX_BYTES);
    return prefix;
  }

  private static void checkText(String what, String text, int maxBytes) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(
            what + " must be valid Unicode, but has an unpaired surrogate at index " + i);
      }
    }
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      throw new IllegalArgumentException(
          what + " must be at most " + maxBytes + " bytes in UTF-8, was " + bytes + " bytes");
    }
  }
}
