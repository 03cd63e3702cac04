package io.github.redismutex.cli;

import io.github.redismutex.LockInfo;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * How names, holders and durations are written for a person. Text that came from Redis (names, threads, hosts) is
 * shown with its control characters escaped ({@code \n}, {@code \t}, {@code \u001b}), so that a lock name cannot
 * break a line of the output or send escape sequences to the operator's terminal. Stateless.
 */
final class Display {
  private Display() {}

  /** {@code 'orders:42'}. */
  static String quoted(String text) {
    return "'" + printable(text) + "'";
  }

  static String printable(String text) {
    StringBuilder shown = new StringBuilder(text.length());
    text.codePoints().forEach(c -> {
      switch (c) {
        case '\n' -> shown.append("\\n");
        case '\r' -> shown.append("\\r");
        case '\t' -> shown.append("\\t");
        default -> {
          if (Character.isISOControl(c)) {
            shown.append(String.format(Locale.ROOT, "\\u%04x", c));
          } else {
            shown.appendCodePoint(c);
          }
        }
      }
    });
    return shown.toString();
  }

  /** Whether {@code info} came from a key's value in redis-mutex's format (else host, pid and thread are unknown). */
  static boolean known(LockInfo info) {
    return info.fencingToken() >= 0;
  }

  /** {@code thread 'worker-3' of process 4242 on host app-1}. */
  static String holder(LockInfo info) {
    if (!known(info)) {
      return "unknown: the key's value is not in redis-mutex's format";
    }
    return "thread " + quoted(info.threadName()) + " of process " + info.pid() + " on host "
        + printable(info.host());
  }

  /** {@code 850 ms}, {@code 27.4 s}, {@code 4 min 05 s}, {@code 2 h 10 min}, or {@code no expiry}. */
  static String lease(Duration remaining) {
    if (remaining.equals(ChronoUnit.FOREVER.getDuration())) {
      return "no expiry"; // the key has no TTL: not set by redis-mutex, whose keys always have one
    }
    long millis = remaining.toMillis();
    if (millis < 1_000) {
      return millis + " ms";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1f s", millis / 1000.0);
    }
    if (millis < 3_600_000) {
      return String.format(Locale.ROOT, "%d min %02d s", remaining.toMinutes(), remaining.toSecondsPart());
    }
    return String.format(Locale.ROOT, "%d h %02d min", remaining.toHours(), remaining.toMinutesPart());
  }

  /** The fencing token, where 0 means the holder has not asked for one. */
  static String fencingToken(LockInfo info) {
    if (!known(info)) {
      return "unknown";
    }
    return info.fencingToken() == 0 ? "none drawn yet (the holder has not asked for one)"
        : Long.toString(info.fencingToken());
  }
}
