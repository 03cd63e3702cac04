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
   * @throws UsageException if the library refuses {@code name} (over 1024 bytes in UTF-8)
   * @throws io.lettuce.core.RedisException if Redis does not answer
   */
  static ExitCode run(RedisLocks locks, String name, PrintStream out) throws UsageException {
    Optional<LockInfo> holder;
    try {
      holder = locks.inspect(name);
    } catch (IllegalArgumentException e) { // checked before anything is sent
      throw new UsageException(e.getMessage());
    }
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
