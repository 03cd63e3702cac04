package io.github.redismutex;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The read-write locks of one {@link RedisLocks}: the mutex machinery once more, over the write key ({@link
 * ReadWriteHoldStore.Writes}), for the write locks, which are {@link RedisMutex}es with all they offer, and {@link
 * ReadSync} for the read locks; both share the instance's connections, waiter registry, watchdog and clean-ups.
 *
 * <p>The write side never hands a lease over locally: the thread that unlocks the write lock may hold a read hold
 * (a downgrade), and a local hand-over would let a writer in beside it without asking Redis, which alone knows the
 * readers. A thread that holds a read hold is refused the write lock (no upgrade): {@code tryLock} answers false at
 * once, {@code lock()} throws rather than wait for ever for its own read hold. Thread-safe.
 */
final class ReadWriteLocks {
  private final LockKeys keys;
  private final ReadWriteStore store;
  private final MutexSync writes;
  private final AsyncSync writesAsync;
  private final HeldLeases writeLeases;
  private final ReadSync reads;
  private final LockQueries queries;
  private final Optional<Conditions> conditions;
  private final Replies replies;
  private final String whyNoConditions;

  ReadWriteLocks(ReadWriteStore store, Collaborators parts, LockSettings settings, LockKeys keys, AsyncThread thread,
      LockQueries queries, Optional<Conditions> conditions, String whyNoConditions) {
    this.keys = keys;
    this.store = store;
    this.queries = queries;
    this.conditions = conditions;
    this.whyNoConditions = whyNoConditions;
    this.replies = new Replies(Duration.ofNanos(settings.commandTimeoutNanos()));
    LockSettings noLocalHandOvers = new LockSettings(settings.leaseMillis(), settings.commandTimeoutNanos(),
        settings.database(), settings.processPart(), 0);
    Collaborators writeParts = parts.on(new ReadWriteHoldStore.Writes(parts.store(), store));
    LockTable writeTable = new LockTable(name -> LockKeys.writeKey(keys.lockKey(name)));
    this.writes = new MutexSync(writeTable, writeParts, noLocalHandOvers, this::upgradeRefusal);
    this.writeLeases = new HeldLeases(writeTable, writeParts, noLocalHandOvers);
    this.writesAsync = new AsyncSync(writeParts, noLocalHandOvers, writeLeases, thread);
    ReadWriteHoldStore.Reads readStore = new ReadWriteHoldStore.Reads(parts.store(), store, "");
    this.reads = new ReadSync(parts.on(readStore), readStore, settings, writes);
  }

  private @Nullable String upgradeRefusal(String name) {
    return reads.holdCount(name) == 0 ? null : "thread '" + Thread.currentThread().getName() + "' holds the read"
        + " lock of '" + name + "', so its write lock would wait for ever (no upgrade): unlock the read holds first";
  }

  /** A handle on the read-write lock of {@code name}, which the caller checked. No round trip. */
  RedisReadWriteLock lock(String name) {
    String writeKey = LockKeys.writeKey(keys.lockKey(name));
    RedisMutex writeLock = new RedisMutex(name, writeKey, writes, writesAsync, writeLeases, queries, conditions,
        Duration.ofNanos(replies.timeout().toNanos()), whyNoConditions);
    return new RedisReadWriteLock(name, writeKey, writeLock, reads, store, replies);
  }

  /** For {@code close()}: fails the async write acquisitions, then lets every acquisition leave, within bounds. */
  void close(Duration bound) {
    writesAsync.close(bound);
    writes.close(bound);
    reads.close(bound);
  }

  /** The calling thread's read hold's key: for tests. */
  String readerLeaseKey(String name) {
    Lease lease = reads.heldLease(name);
    if (lease == null) {
      throw HeldLeases.notHeld(name, "readerLeaseKey");
    }
    return lease.key;
  }

  int localHoldCount() {
    return writes.table().size() + reads.localHoldCount();
  }
}
