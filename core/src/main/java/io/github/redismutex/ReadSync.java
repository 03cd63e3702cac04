package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The read side of the read-write locks of one {@link RedisLocks}: what {@link RedisReadWriteLock.ReadLock}
 * delegates to.
 *
 * <p>Every thread's read hold of a name is a hold of its own in Redis, with its own key and lease (see
 * acquire-read.lua), acquired by the mutex's {@link Acquisition} through {@link ReadWriteHoldStore.Reads}, renewed by
 * the shared {@link LeaseWatchdog}, released by {@link Releaser} and cleaned up by {@link UnconfirmedReleases}. Its
 * JVM-local side is a {@link LocalLock} of its own, whose gate only that thread ever takes: re-entries are the gate's
 * hold count, at zero round trips, and readers of one JVM never wait for each other.
 *
 * <p>A thread that holds the write lock of the name acquires its read hold as a downgrade: its attempt names its
 * write token, so no writer, waiting or holding, holds it back. Thread-safe.
 */
final class ReadSync {
  /** One thread's read hold of one name. */
  private record Reader(String name, Thread thread) {
    static Reader current(String name) {
      return new Reader(name, Thread.currentThread());
    }
  }

  /** Invariant: an entry exists exactly while its thread holds the read lock; only that thread adds or removes it. */
  private final ConcurrentHashMap<Reader, LocalLock> holds = new ConcurrentHashMap<>();
  private final Collaborators parts;
  private final ReadWriteHoldStore.Reads store;
  private final LockSettings settings;
  private final MutexSync writes;
  private final Releaser releaser;
  private final InFlight acquisitions = new InFlight(); // acquisitions in Redis, which close() lets finish

  /** @param parts the collaborators over {@code store}, whose clean-ups are read holds' */
  ReadSync(Collaborators parts, ReadWriteHoldStore.Reads store, LockSettings settings, MutexSync writes) {
    this.parts = parts;
    this.store = store;
    this.settings = settings;
    this.writes = writes;
    this.releaser = new Releaser(store, parts.releases(), parts.metrics(),
        Duration.ofNanos(settings.commandTimeoutNanos()));
  }

  boolean acquire(String name, String writeKey, WaitPolicy wait, Deadline deadline) throws InterruptedException {
    parts.lifecycle().checkOpen();
    if (wait.interruptible() && Thread.interrupted()) {
      throw new InterruptedException("interrupted before acquiring the read lock of '" + name + "'");
    }
    Reader reader = Reader.current(name);
    LocalLock held = holds.get(reader);
    if (held != null) {
      held.reenter(); // a re-entry: nothing to ask Redis
      return true;
    }
    return parts.metrics().measured(name, () -> acquireInRedis(reader, new LocalLock(name, writeKey), wait, deadline));
  }

  private boolean acquireInRedis(Reader reader, LocalLock local, WaitPolicy wait, Deadline deadline)
      throws InterruptedException {
    local.enter(WaitPolicy.UNINTERRUPTIBLE, Deadline.never()); // its own gate: nobody else takes it
    Lease writeLease = writes.heldLease(reader.name());
    Collaborators acquiring = writeLease == null ? parts : parts.with(store.downgradingFrom(writeLease.token));
    boolean acquired = false;
    acquisitions.enter();
    try {
      acquired = new Acquisition(local, wait, deadline, acquiring, settings).run() != null;
      if (acquired) {
        holds.put(reader, local);
      }
      return acquired;
    } finally {
      acquisitions.exit();
      if (!acquired) {
        local.exit();
      }
    }
  }

  /** The calling thread's outermost read unlock releases its hold in Redis; an inner one only counts down. */
  void release(String name) {
    Reader reader = Reader.current(name);
    LocalLock local = holds.get(reader);
    if (local == null) {
      throw HeldLeases.notHeld(name, "unlock of the read lock");
    }
    if (local.reentered()) {
      local.exit();
      return;
    }
    holds.remove(reader);
    try {
      parts.metrics().held(name, local.heldForNanos());
      Lease lease = local.offerOrGiveUp(0); // never offered: no other thread takes this gate
      if (lease == null) {
        throw new IllegalStateException("a read hold of '" + name + "' was offered for a hand-over");
      }
      parts.watchdog().deregister(lease); // before the release script: no renewal can outlive this unlock
      boolean foundLostBefore = !lease.retire();
      parts.lifecycle().checkOpen();
      LeaseExpiredException lost = Releaser.outcome(parts.losses(), "unlock of the read lock", name, lease,
          foundLostBefore, releaser.release(name, lease));
      if (lost != null) {
        throw lost;
      }
    } finally {
      local.exit();
    }
  }

  /** The calling thread's read holds of {@code name}: 0 unless it holds the read lock. */
  int holdCount(String name) {
    LocalLock local = holds.get(Reader.current(name));
    return local == null ? 0 : local.holdCount();
  }

  /** The calling thread's read lease of {@code name}, or null unless it holds the read lock. */
  @Nullable Lease heldLease(String name) {
    LocalLock local = holds.get(Reader.current(name));
    return local == null ? null : local.heldLease();
  }

  /** Lets the acquisitions under way (woken by the waiter registry's close) leave Redis tidy, within {@code bound}. */
  void close(Duration bound) {
    acquisitions.awaitIdle(bound);
  }

  /** Read holds of all names held by threads of this JVM: for the resource-hygiene checks. */
  int localHoldCount() {
    return holds.size();
  }
}
