package io.github.redismutex.cli;

import io.github.redismutex.LockInfo;
import io.github.redismutex.RedisLocks;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * {@code list [PATTERN]}: the held locks under the prefix whose names match, found with SCAN (which, unlike KEYS,
 * never blocks the server for long) and each asked through {@link RedisLocks#inspect}, sorted by name.
 *
 * <p>Round trips: one SCAN per {@value #SCAN_COUNT} keys of the whole keyspace (SCAN walks all of it; MATCH only
 * filters what it returns), plus one per lock key found. A lock key found may be free by the time it is inspected
 * (released, or a hand-over marker): it is left out. SCAN may return a key twice: it is shown once.
 */
final class ListCommand {
  /** Keys SCAN looks at per call: large enough for few round trips, small enough to keep each call short. */
  static final int SCAN_COUNT = 1000;

  private ListCommand() {}

  /**
   * Prints the table and a closing line, which says when {@code limit} cut the list short.
   *
   * @throws io.lettuce.core.RedisException if Redis does not answer
   */
  static ExitCode run(Session session, String prefix, Glob pattern, int limit, PrintStream out) {
    LockKeyNames keys = new LockKeyNames(prefix);
    Map<String, LockInfo> held = new TreeMap<>();
    boolean truncated = scan(session.commands(), session.locks(), keys, pattern, limit, held);
    if (held.isEmpty()) {
      out.println("no held lock under prefix " + Display.quoted(prefix) + " matches " + Display.quoted(
          pattern.toString()));
      return ExitCode.OK;
    }
    Table table = new Table(List.of("NAME", "LEASE LEFT", "HOST", "PID", "THREAD"));
    held.forEach((name, info) -> table.add(List.of(Display.printable(name), Display.lease(info.remainingLease()),
        Display.known(info) ? Display.printable(info.host()) : "?",
        Display.known(info) ? Long.toString(info.pid()) : "?",
        Display.known(info) ? Display.printable(info.threadName()) : "? (not in redis-mutex's format)")));
    table.print(out);
    if (truncated) {
      out.println("showing the first " + heldLocks(limit) + " found; there are more: narrow PATTERN or raise --limit");
    } else {
      out.println(heldLocks(held.size()));
    }
    return ExitCode.OK;
  }

  private static String heldLocks(int count) {
    return count + (count == 1 ? " held lock" : " held locks");
  }

  /** Fills {@code held} with at most {@code limit} held locks; returns whether a further one was found. */
  private static boolean scan(RedisCommands<String, String> commands, RedisLocks locks, LockKeyNames keys,
      Glob pattern, int limit, Map<String, LockInfo> held) {
    ScanArgs match = ScanArgs.Builder.matches(keys.scanPattern()).limit(SCAN_COUNT);
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = commands.scan(cursor, match);
      for (String key : page.getKeys()) {
        Optional<String> name = keys.nameOf(key).filter(pattern::matches);
        if (name.isEmpty() || held.containsKey(name.get())) {
          continue;
        }
        Optional<LockInfo> info = inspect(locks, name.get());
        if (info.isPresent()) {
          if (held.size() == limit) {
            return true;
          }
          held.put(name.get(), info.get());
        }
      }
      cursor = page;
    } while (!cursor.isFinished());
    return false;
  }

  /** The holder, or empty when the lock is free or the key's name is none the library accepts (over 1024 bytes). */
  private static Optional<LockInfo> inspect(RedisLocks locks, String name) {
    try {
      return locks.inspect(name);
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // such a key was not written by redis-mutex
    }
  }
}
