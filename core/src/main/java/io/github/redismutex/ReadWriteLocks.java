package io.github.redismutex;

import java.time.Duration;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The read-write locks of one {@link RedisLocks}: the mutex machinery once more, over the write key ({@link
 * ReadWriteHoldStore.Writes}), for the write locks, which are {@link RedisMutex}es with all they offer, and {@link
 * ReadSync} for the read locks; both share the instance's connections, waiter registry, watchdog and clean-ups.
 *
 * <p>The write side hands its lease over locally as a mutex does (the write key stays held, so no reader anywhere
 * can enter meanwhile), except when the unlocking thread holds a read hold (a downgrade): the local waiter would
 * write beside it, unseen by Redis, which alone counts the readers. A thread that holds a read hold is refused the
 * write lock (no upgrade): {@code tryLock} answers false at once, {@code lock()} throws rather than wait for ever
 * for its own read hold ({@link WriterRules}). Thread-safe.
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
  private final Lifecycle lifecycle;

  ReadWriteLocks(ReadWriteStore store, Collaborators parts, LockSettings settings, LockKeys keys, AsyncThread thread,
      LockQueries queries, Optional<Conditions> conditions, String whyNoConditions) {
    this.keys = keys;
    this.store = store;
    this.queries = queries;
    this.conditions = conditions;
    this.whyNoConditions = whyNoConditions;
    this.lifecycle = parts.lifecycle();
    this.replies = new Replies(Duration.ofNanos(settings.commandTimeoutNanos()));
    Collaborators writeParts = parts.on(new ReadWriteHoldStore.Writes(parts.store(), store));
    LockTable writeTable = new LockTable(name -> LockKeys.writeKey(keys.lockKey(name)));
    this.writes = new MutexSync(writeTable, writeParts, settings, new WriterRules());
    this.writeLeases = new HeldLeases(writeTable, writeParts, settings);
    this.writesAsync = new AsyncSync(writeParts, settings, writeLeases, thread);
    ReadWriteHoldStore.Reads readStore = new ReadWriteHoldStore.Reads(parts.store(), store, "");
    this.reads = new ReadSync(parts.on(readStore), readStore, settings, writes);
  }

  /** The write lock's rules for a thread that holds the name's read lock. */
  private final class WriterRules implements MutexSync.ThreadRules {
    @Override
    public @Nullable String refusal(String name) {
      return reads.holdCount(name) == 0 ? null : "thread '" + Thread.currentThread().getName() + "' holds the read"
          + " lock of '" + name + "', so its write lock would wait for ever (no upgrade): unlock the read holds first";
    }

    @Override
    public boolean mayHandOver(String name) {
      return reads.holdCount(name) == 0; // a downgraded writer's waiter would write beside its read hold
    }
  }

  /** A handle on the read-write lock of {@code name}, which the caller checked. No round trip. */
  RedisReadWriteLock lock(String name) {
    String writeKey = LockKeys.writeKey(keys.lockKey(name));
    RedisMutex writeLock = new RedisMutex(name, writeKey, writes, writesAsync, writeLeases, queries, conditions,
        Duration.ofNanos(replies.timeout().toNanos()), whyNoConditions);
    return new RedisReadWriteLock(name, writeKey, writeLock, reads, store, replies, lifecycle);
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

  /** Whether a thread of this JVM waits at the write lock's local gate: for tests. */
  boolean hasLocalWriterQueued(String name) {
    LocalLock local = writes.table().peek(name);
    return local != null && local.hasQueuedThreads();
  }

  int localHoldCount() {
    return writes.table().size() + reads.localHoldCount();
  }
}
