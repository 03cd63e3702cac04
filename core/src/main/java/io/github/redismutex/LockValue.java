package io.github.redismutex;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The value of a lock key: {@code "<owner token> <fencing token> <acquired at, epoch ms> <pid> <host> <thread>"},
 * written by acquire.lua from the token and the metadata this class formats, and read back by {@link
 * RedisLocks#inspect}. The owner token (a UUID) comes first so the scripts can check ownership by prefix; the thread
 * name comes last because it may contain spaces. Stateless.
 */
final class LockValue {
  private LockValue() {}

  /** The metadata part for an acquisition starting now on the calling thread. */
  static String metadata(String processPart) {
    return System.currentTimeMillis() + " " + processPart + " " + Thread.currentThread().getName();
  }

  /**
   * This host's name for holder metadata: {@code HOSTNAME} when the environment has it (no lookup), else the local
   * host's name (which may take a DNS round trip).
   */
  static String hostName() {
    String fromEnvironment = System.getenv("HOSTNAME");
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return fromEnvironment.trim();
    }
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown-host";
    }
  }

  /** "{@code <pid> <host>}" of this process; spaces in the host name (there should be none) become '_'. */
  static String processPart(String host) {
    return ProcessHandle.current().pid() + " " + host.replace(' ', '_');
  }

  /** What a key's value and PTTL say about its holder; a value in another format yields what can be known. */
  static LockInfo parse(String name, String value, long remainingLeaseMillis) {
    Duration remaining =
        remainingLeaseMillis < 0 ? ChronoUnit.FOREVER.getDuration() : Duration.ofMillis(remainingLeaseMillis);
    String[] fields = value.split(" ", 6);
    try {
      if (fields.length == 6) {
        return new LockInfo(name, fields[4], Long.parseLong(fields[3]), fields[5],
            Instant.ofEpochMilli(Long.parseLong(fields[2])), remaining, Long.parseLong(fields[1]));
      }
    } catch (NumberFormatException e) {
      // not written by redis-mutex: fall through
    }
    return new LockInfo(name, "unknown", -1, "unknown", Instant.EPOCH, remaining, -1);
  }
}
