package io.github.redismutex;

import java.util.List;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * The {@link LockStore} that the mutex machinery ({@link MutexSync}, {@link Acquisition}, {@link AsyncAcquisition},
 * {@link UnconfirmedReleases}) acquires and releases one kind of read-write hold through, so that read-write locks
 * have no second copy of it: {@link Writes} for the write lock, whose key is the write key; {@link Reads} for read
 * holds, each at a key of its own ({@link LockKeys#readerKey}). Renewing, extending, inspecting and fencing are the
 * plain store's, since both kinds of key hold a mutex-style value with a lease. Thread-safe.
 */
abstract sealed class ReadWriteHoldStore implements LockStore {
  final LockStore plain;
  final ReadWriteStore readWrite;

  ReadWriteHoldStore(LockStore plain, ReadWriteStore readWrite) {
    this.plain = plain;
    this.readWrite = readWrite;
  }

  @Override
  public CompletionStage<Long> drawFencingToken(String key, String token, String metadata) {
    return plain.drawFencingToken(key, token, metadata);
  }

  @Override
  public CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis) {
    return plain.renew(leases, leaseMillis);
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    return plain.extend(key, token, addMillis);
  }

  @Override
  public CompletionStage<@Nullable Holding> inspect(String key) {
    return plain.inspect(key);
  }

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return plain.fencedSet(key, value, fencingToken);
  }

  /** The write lock: the write key is the lease's key, as a mutex key is. */
  static final class Writes extends ReadWriteHoldStore {
    Writes(LockStore plain, ReadWriteStore readWrite) {
      super(plain, readWrite);
    }

    @Override
    public CompletionStage<Attempt> acquire(
        String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
      return readWrite.acquireWrite(key, token, leaseMillis, metadata, ticket);
    }

    @Override
    public CompletionStage<Release> release(String key, String token, String channel) {
      return readWrite.releaseWrite(key, token, false);
    }

    @Override
    public CompletionStage<Release> abandon(String key, String token, String channel) {
      return readWrite.releaseWrite(key, token, true);
    }
  }

  /**
   * Read holds: acquired on the write key (whose channels announce what frees the lock), held at the hold's own
   * reader key, which is what the lease, its renewals and its release name. Readers queue no tickets, so no release
   * hands them the lock: they are woken, and attempt again.
   */
  static final class Reads extends ReadWriteHoldStore {
    private final String writerToken;

    /** @param writerToken the acquiring thread's write token when it holds the write lock (a downgrade), else "" */
    Reads(LockStore plain, ReadWriteStore readWrite, String writerToken) {
      super(plain, readWrite);
      this.writerToken = writerToken;
    }

    /** The store for a thread that holds the write lock with {@code writerToken}: its read attempts always pass. */
    Reads downgradingFrom(String writerToken) {
      return new Reads(plain, readWrite, writerToken);
    }

    @Override
    public String leaseKey(String key, String token) {
      return LockKeys.readerKey(key, token);
    }

    @Override
    public CompletionStage<Attempt> acquire(
        String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
      return readWrite.acquireRead(key, token, leaseMillis, metadata, ticket != null, writerToken);
    }

    /** {@code key}: the hold's reader key, as {@link #leaseKey} made it. */
    @Override
    public CompletionStage<Release> release(String key, String token, String channel) {
      return readWrite.releaseRead(writeKeyOf(key, token), token);
    }

    @Override
    public CompletionStage<Release> abandon(String key, String token, String channel) {
      return release(key, token, channel);
    }

    private static String writeKeyOf(String readerKey, String token) {
      return readerKey.substring(0, readerKey.length() - LockKeys.readerKey("", token).length());
    }
  }
}
