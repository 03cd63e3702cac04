package io.github.redismutex;

import org.jspecify.annotations.Nullable;

/**
 * A direct hand-over announced by release.lua: "granted &lt;token&gt; &lt;nonce&gt; &lt;lease ms&gt; &lt;fencing
 * token&gt; &lt;server µs&gt;". The lock key now holds {@code token}'s value with fencing token {@code fencingToken},
 * for {@code leaseMillis} from {@code serverMicros} on the server's clock, given to the attempt whose ticket carried
 * {@code nonce}. Only that attempt's waiter may trust it (see {@link Acquisition}); anyone who may publish on the
 * lock's channels can send such a message, but only someone who can read the lock's keys can know a nonce.
 * Immutable.
 */
record Grant(String token, String nonce, long leaseMillis, long fencingToken, long serverMicros) {
  private static final String PREFIX = "granted ";

  /** The hand-over a message announces, or null when it announces something else or is malformed. */
  static @Nullable Grant parse(@Nullable String message) {
    if (message == null || !message.startsWith(PREFIX)) {
      return null;
    }
    String[] fields = message.substring(PREFIX.length()).split(" ", -1);
    if (fields.length != 5) {
      return null;
    }
    try {
      return new Grant(fields[0], fields[1], Long.parseLong(fields[2]), Long.parseLong(fields[3]),
          Long.parseLong(fields[4]));
    } catch (NumberFormatException e) {
      return null; // not ours to trust
    }
  }
}
