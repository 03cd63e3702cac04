package io.github.redismutex;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LocalLock}s of one {@link RedisLocks} that are in use: held, awaited, or inside a call. An entry is
 * created by the first use of a name and removed when its last use ends, so the table never grows with the number
 * of names ever used, and all handles of one name meet the same entry while any of them needs it.
 *
 * <p>Invariant: an entry's {@code users} counts its holds (one per successful lock, re-entries included) plus calls
 * in progress, and is only changed inside {@link ConcurrentHashMap#compute}, which makes "count drops to zero"
 * and "entry removed" one atomic step. Thread-safe.
 */
final class LockTable {
  private final ConcurrentHashMap<String, LocalLock> locks = new ConcurrentHashMap<>();
  private final Function<String, String> keyOf;

  LockTable(Function<String, String> keyOf) {
    this.keyOf = keyOf;
  }

  /** The entry of a name, with one more use counted; pair every call with {@link #release}. */
  LocalLock use(String name) {
    return locks.compute(
        name,
        (n, local) -> {
          LocalLock entry = local != null ? local : new LocalLock(n, keyOf.apply(n));
          entry.users++;
          return entry;
        });
  }

  /**
   * Ends one use; removes the entry when it was the last.
   *
   * @return a lease that was offered for a local hand-over which no thread is left to take: the caller must let it
   *     go in Redis; else null
   */
  Lease release(LocalLock lock) {
    Lease[] orphan = new Lease[1];
    locks.computeIfPresent(lock.name, (n, local) -> {
      if (--local.users > 0) {
        return local;
      }
      orphan[0] = local.takeOffer(); // nobody is left to take it
      return null;
    });
    return orphan[0];
  }

  /** The entry of a name if it is in use, without counting a use: for queries that must not create one. */
  @Nullable LocalLock peek(String name) {
    return locks.get(name);
  }

  int size() {
    return locks.size();
  }
}
