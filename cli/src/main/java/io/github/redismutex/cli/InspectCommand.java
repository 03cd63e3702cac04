package io.github.redismutex.cli;

import io.github.redismutex.LockInfo;
import io.github.redismutex.RedisLocks;
import java.io.PrintStream;
import java.util.Optional;

/** {@code inspect NAME}: the holder of one lock, through {@link RedisLocks#inspect}, in one round trip. */
final class InspectCommand {
  private InspectCommand() {}

  /**
   * Prints the holder, or that the lock is free.
   *
   * @return {@link ExitCode#OK} when held, {@link ExitCode#FREE} when free
   * @throws IllegalArgumentException if {@code name} is no lock name (longer than the library allows)
   * @throws io.lettuce.core.RedisException if Redis does not answer
   */
  static ExitCode run(RedisLocks locks, String name, PrintStream out) {
    Optional<LockInfo> holder = locks.inspect(name);
    if (holder.isEmpty()) {
      out.println("lock " + Display.quoted(name) + " is free");
      return ExitCode.FREE;
    }
    LockInfo info = holder.get();
    out.println("lock " + Display.quoted(name) + " is held");
    out.println("  holder:        " + Display.holder(info));
    if (Display.known(info)) {
      out.println("  acquired at:   " + info.acquiredAt() + " (by the holder's clock)");
    }
    out.println("  lease left:    " + Display.lease(info.remainingLease()));
    out.println("  fencing token: " + Display.fencingToken(info));
    return ExitCode.OK;
  }
}
