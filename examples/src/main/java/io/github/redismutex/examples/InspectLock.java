package io.github.redismutex.examples;

import io.github.redismutex.LockInfo;
import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;
import java.util.Optional;

/**
 * For operators: who holds a lock right now, asked of Redis without the holder's cooperation.
 *
 * <pre>
 * InspectLock NAME [--uri redis://host:port] [--prefix redis-mutex:]
 * </pre>
 *
 * The URI defaults to {@code REDIS_URL}, else {@code redis://127.0.0.1:6379}; the prefix to the library's default.
 * Exits 0 when the lock is held, 3 when it is free, 2 on bad arguments.
 */
public final class InspectLock {
  private InspectLock() {}

  public static void main(String[] args) {
    String name = null;
    String uri = Optional.ofNullable(System.getenv("REDIS_URL")).orElse("redis://127.0.0.1:6379");
    String prefix = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--uri" -> uri = value(args, ++i);
        case "--prefix" -> prefix = value(args, ++i);
        default -> name = args[i];
      }
    }
    if (name == null) {
      usage("a lock NAME is required");
    }
    RedisLocksBuilder builder = RedisLocks.builder().uri(uri).configureKeyspaceNotifications(false);
    if (prefix != null) {
      builder.keyPrefix(prefix);
    }
    try (RedisLocks locks = builder.build()) {
      Optional<LockInfo> holder = locks.inspect(name);
      if (holder.isEmpty()) {
        System.out.println("lock '" + name + "' is free");
        System.exit(3);
      }
      LockInfo info = holder.get();
      System.out.println("lock '" + name + "' is held");
      System.out.println("  holder:        thread '" + info.threadName() + "' of process " + info.pid()
          + " on host " + info.host());
      System.out.println("  acquired at:   " + info.acquiredAt());
      System.out.println("  lease left:    " + info.remainingLease());
      System.out.println("  fencing token: " + info.fencingToken());
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      usage(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static void usage(String problem) {
    System.err.println(problem);
    System.err.println("usage: InspectLock NAME [--uri redis://host:port] [--prefix PREFIX]");
    System.exit(2);
  }
}
