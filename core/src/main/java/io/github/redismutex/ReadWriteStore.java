package io.github.redismutex;

import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The commands of read-write locks, on one server or a cluster (every key of one lock shares the write key's hash
 * slot). A read hold and a write hold are each a key with its own lease, renewed, extended and inspected by the
 * {@link LockStore} commands like a mutex key; only acquiring and releasing differ. Replies and failures as
 * {@link LockStore}'s. Implementations are thread-safe.
 */
interface ReadWriteStore {

  /**
   * acquire.lua on the write key, with the readers: as {@link LockStore#acquire}, but not free while a read hold
   * lives; a waiting writer's ticket holds new readers back. Always the script, never a plain {@code SET NX}.
   */
  CompletionStage<LockStore.Attempt> acquireWrite(
      String writeKey, String token, long leaseMillis, String metadata, LockStore.@Nullable Ticket ticket);

  /**
   * release.lua on the write key, with the readers: as {@link LockStore#release} ({@code leaving}: as {@link
   * LockStore#abandon}), but no hand-over while a read hold lives, and a waiting writer that leaves announces it.
   */
  CompletionStage<LockStore.Release> releaseWrite(String writeKey, String token, boolean leaving);

  /**
   * acquire-read.lua: a read hold at {@link LockKeys#readerKey}, unless a writer holds or awaits the lock.
   *
   * @param mark whether to mark the lock as awaited when it is not free (a waiting attempt)
   * @param writerToken the calling thread's write token when it holds the write lock (a downgrade), else ""
   */
  CompletionStage<LockStore.Attempt> acquireRead(String writeKey, String token, long leaseMillis, String metadata,
      boolean mark, String writerToken);

  /** release-read.lua: lets go of a read hold (or what a lost attempt set); the last one wakes a waiting writer. */
  CompletionStage<LockStore.Release> releaseRead(String writeKey, String token);

  /** read-count.lua: how many read holds live, one per holding thread of each process. */
  CompletionStage<Long> readHolds(String writeKey);
}
