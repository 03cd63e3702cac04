package io.github.redismutex;

/**
 * The write hold of a third simulated process, taken straight in the store (acquire.lua with the readers) when a
 * jcstress state is made, and released by one of its actors (release.lua, as the third process's unlock would), so
 * that the actors' acquisitions find the lock held and wait for an announced release in every sample.
 */
final class ThirdProcessWriter {
  private static final String TOKEN = "token-of-a-third-process";
  /** The holder part of its lock value: acquired at (epoch ms), pid, host, thread. */
  private static final String METADATA = "1700000000000 4242 third-host main";

  private final InMemoryReadWriteStore store;
  private final String writeKey;

  private ThirdProcessWriter(InMemoryReadWriteStore store, String writeKey) {
    this.store = store;
    this.writeKey = writeKey;
  }

  /** Takes the write lock of {@code name} for the third process; the name must be free. */
  static ThirdProcessWriter holding(InMemoryLockStore store, String name) {
    ThirdProcessWriter third = new ThirdProcessWriter(store.readWrite(), LockKeys.writeKey(InMemoryLocks.keyOf(name)));
    LockStore.Attempt taken = third.store.acquireWrite(third.writeKey, TOKEN, InMemoryLocks.LEASE.toMillis(),
        METADATA, null).toCompletableFuture().join();
    if (taken.outcome() != LockStore.Attempt.Outcome.ACQUIRED) {
      throw new IllegalStateException("the third process could not take the write lock of '" + name + "': " + taken);
    }
    return third;
  }

  /** Unlocks the third process's write hold, announcing it to the waiters. */
  void release() {
    LockStore.Release released = store.releaseWrite(writeKey, TOKEN, false).toCompletableFuture().join();
    if (released != LockStore.Release.RELEASED) {
      throw new IllegalStateException("the third process's release found " + released + ", not its own hold");
    }
  }
}
