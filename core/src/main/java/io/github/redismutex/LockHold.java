package io.github.redismutex;

import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One hold of a lock acquired without blocking ({@link RedisMutex#acquireAsync()}): the lock stays held, its lease
 * renewed in the background, until {@link #release()} or {@link #close()}.
 *
 * <pre>{@code
 * mutex.acquireAsync(Duration.ofSeconds(5))
 *     .thenCompose(hold -> updateAccount().whenComplete((result, failure) -> hold.release()));
 * }</pre>
 *
 * <p>The hold, not a thread, owns the lock: any thread may release it, extend it or ask for its fencing token. So it
 * is not reentrant: without a thread identity there is nobody to re-enter as, and a second {@code acquireAsync} of
 * the same name waits for this hold like any other owner. It has an owner token of its own and never takes the
 * blocking API's per-thread holds: a thread that calls {@code lock()} on the same name, in this or another {@link
 * RedisLocks}, and this hold exclude each other through Redis, as two processes would.
 *
 * <p>Every stage a method returns completes on the {@code RedisLocks}' async thread ({@code redis-mutex-N-async}).
 * Dependent actions attached without an executor run on it: they must not block (pass an executor of your own to
 * the {@code ...Async} methods for work that does). A stage that fails completes exceptionally with the exception
 * each method names (as the cause of the {@code CompletionException} that {@code join()} throws). Thread-safe.
 */
public final class LockHold implements AutoCloseable {
  private final String name;
  private final Lease lease;
  private final AsyncHolds holds;
  private final Runnable leaveGate;
  private final long heldSinceNanos = System.nanoTime();
  private final AtomicReference<CompletableFuture<Void>> released = new AtomicReference<>(); // set once
  private final AtomicReference<CompletableFuture<Long>> fencing = new AtomicReference<>(); // the drawing, if any

  LockHold(String name, Lease lease, AsyncHolds holds, Runnable leaveGate) {
    this.name = name;
    this.lease = lease;
    this.holds = holds;
    this.leaveGate = leaveGate;
  }

  /**
   * Releases the lock: one round trip (release.lua), which deletes the key if this hold still owns it, or hands the
   * lock to the oldest waiter of another owner. Does not block; any thread may call it. Idempotent: every call
   * returns a stage of the first call's outcome.
   *
   * @return completes when Redis answered; exceptionally with {@link LeaseExpiredException} if the lease had been
   *     lost (another owner's key is left untouched), with {@link IllegalStateException} if the {@link RedisLocks}
   *     was closed (the key then expires within its lease), with Lettuce's {@code RedisCommandTimeoutException} or
   *     {@code RedisConnectionException} if Redis did not answer or could not be reached within the command timeout
   *     (the release is sent again until Redis confirms it, else the key expires by itself)
   */
  public CompletionStage<Void> release() {
    return releasing().copy();
  }

  private CompletableFuture<Void> releasing() {
    CompletableFuture<Void> mine = new CompletableFuture<>();
    CompletableFuture<Void> earlier = released.compareAndExchange(null, mine);
    if (earlier != null) {
      return earlier;
    }
    holds.release(name, lease, heldSinceNanos, mine, leaveGate);
    return mine;
  }

  /**
   * Releases the lock and waits for Redis's answer, at most the command timeout (plus a second to hear of it): the
   * try-with-resources form of {@link #release()}, for callers that may block. Not interruptible (an interrupt is
   * kept). Called on the async thread itself (in a dependent action), it does not wait: it starts the release,
   * whose outcome {@link #release()} tells. Idempotent.
   *
   * @throws LeaseExpiredException if the lease had been lost
   * @throws IllegalStateException if the {@link RedisLocks} was closed
   * @throws io.lettuce.core.RedisException if Redis did not answer or could not be reached within the command
   *     timeout; the release is sent again until Redis confirms it
   */
  @Override
  public void close() {
    CompletableFuture<Void> done = releasing();
    if (holds.onAsyncThread()) {
      return; // waiting here would wait for this thread itself
    }
    Duration bound = holds.closeBound();
    try {
      Deadline.afterNanos(bound.toNanos()).awaitUninterruptibly(done);
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException("release of '" + name + "' got no answer within " + bound);
    }
  }

  /**
   * The hold's fencing token, as {@link RedisMutex#fencingToken()}: drawn by the first call (one round trip), which
   * checks in the same step that the lease is still this hold's; later calls return it without a round trip.
   *
   * @return completes with the token, positive; exceptionally with {@link IllegalMonitorStateException} after {@link
   *     #release()}, {@link LeaseExpiredException} if the lease was found lost before a token was drawn, {@link
   *     IllegalStateException} if the {@link RedisLocks} is closed, or Lettuce's {@code RedisException} if Redis
   *     could not be reached within the command timeout
   */
  @SuppressWarnings("FutureReturnValueIgnored") // a callback: the future whenComplete returns carries nothing more
  public CompletionStage<Long> fencingToken() {
    long token = lease.fencingToken();
    if (token != 0) {
      return CompletableFuture.completedFuture(token);
    }
    if (released.get() != null) {
      return CompletableFuture.failedFuture(released("fencingToken()"));
    }
    CompletableFuture<Long> drawing = fencing.get();
    if (drawing != null && !drawing.isCompletedExceptionally()) {
      return drawing.copy();
    }
    CompletableFuture<Long> mine = new CompletableFuture<>(); // the first call, or one after a failed drawing
    CompletableFuture<Long> witness = fencing.compareAndExchange(drawing, mine);
    if (witness != drawing) {
      return Objects.requireNonNull(witness).copy(); // another thread started a drawing first: one at a time
    }
    holds.fencingToken(name, lease).whenComplete((drawn, failure) -> {
      if (failure == null) {
        mine.complete(drawn);
      } else {
        mine.completeExceptionally(failure);
      }
    });
    return mine.copy();
  }

  /**
   * Adds time to the hold's lease, as {@link RedisMutex#extend(Duration)}. One round trip.
   *
   * @param additional time to add to the remaining lease; positive, at most {@link RedisLocks#MAX_LEASE_TIME}
   * @return completes with true if extended, false if the lease had already been lost; exceptionally with {@link
   *     IllegalMonitorStateException} after {@link #release()}, {@link IllegalStateException} if the {@link
   *     RedisLocks} is closed, or Lettuce's {@code RedisException} if Redis could not be reached in time
   * @throws NullPointerException if {@code additional} is null
   * @throws IllegalArgumentException if {@code additional} is not positive or longer than the longest lease
   */
  public CompletionStage<Boolean> extend(Duration additional) {
    LockSettings.checkDuration("additional", additional, Duration.ofMillis(1), RedisLocks.MAX_LEASE_TIME);
    if (released.get() != null) {
      return CompletableFuture.failedFuture(released("extend"));
    }
    return holds.extend(name, lease, additional);
  }

  /**
   * Whether the hold still holds the lock with a lease that, as far as this JVM knows, is in force: not released,
   * not found lost by the watchdog or {@link #extend}, not past its end. No round trip. False while not released
   * means: stop, and release (which will fail with {@link LeaseExpiredException}).
   *
   * @return true while the lease is valid
   */
  public boolean isLeaseValid() {
    return released.get() == null && holds.isValid(lease);
  }

  /**
   * The name of the lock held.
   *
   * @return the name given to {@link RedisLocks#mutex(String)}
   */
  public String getName() {
    return name;
  }

  private IllegalMonitorStateException released(String what) {
    return new IllegalMonitorStateException(what + " of '" + name + "' by a hold that was released");
  }

  @Override
  public String toString() {
    return "LockHold['" + name + "', " + (released.get() == null ? "held" : "released") + ", key='" + lease.key
        + "']";
  }
}
