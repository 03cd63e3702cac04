package io.github.redismutex;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a {@link LockHold} asks of its lease, without blocking: release it, extend it, draw its fencing token, check
 * it. The decisions are the blocking API's ({@link HeldLeases}, {@link Releaser}); here the replies are awaited on
 * the {@link AsyncThread}, each within the command timeout, and the stages complete there. Thread-safe.
 */
@SuppressWarnings("FutureReturnValueIgnored") // callbacks: the futures whenComplete returns carry nothing more
final class AsyncHolds {
  private final Collaborators parts;
  private final LockSettings settings;
  private final HeldLeases leases;
  private final AsyncThread thread;
  private final Duration commandTimeout;
  /** Releases sent and not yet completed; a set, since stages may complete on other threads once closed. */
  private final Set<AsyncRelease> releasing = ConcurrentHashMap.newKeySet();

  AsyncHolds(Collaborators parts, LockSettings settings, HeldLeases leases, AsyncThread thread) {
    this.parts = parts;
    this.settings = settings;
    this.leases = leases;
    this.thread = thread;
    this.commandTimeout = Duration.ofNanos(settings.commandTimeoutNanos());
  }

  /**
   * Releases the hold's lease in Redis ({@link AsyncRelease}); {@code done} completes with the outcome, after which
   * {@code leaveGate} lets the next asynchronous acquisition of the name in this JVM take its turn.
   */
  void release(String name, Lease lease, long heldSinceNanos, CompletableFuture<Void> done, Runnable leaveGate) {
    parts.metrics().held(name, System.nanoTime() - heldSinceNanos);
    AsyncRelease release = new AsyncRelease(name, lease, parts, thread, commandTimeout, done);
    releasing.add(release);
    done.whenComplete((ignored, failure) -> thread.execute(() -> {
      releasing.remove(release);
      leaveGate.run();
    }));
    thread.execute(release::start);
  }

  /**
   * For {@code close()}, on the async thread: fails every release still under way (one waiting out a back-off
   * would otherwise never complete, its timers dropped with the thread), handing it to {@link UnconfirmedReleases},
   * which close() flushes next.
   */
  void closeReleases() {
    List.copyOf(releasing).forEach(AsyncRelease::closeNow);
  }

  /** A hold nobody will have (its acquisition was cancelled as it came): released, kept until Redis confirms. */
  void letGo(Lease lease) {
    parts.watchdog().deregister(lease);
    lease.retire();
    parts.releases().release(lease.key, lease.token);
  }

  /** extend.lua: true if extended, false if the lease was found lost (and reported). */
  CompletableFuture<Boolean> extend(String name, Lease lease, Duration additional) {
    if (parts.lifecycle().isClosed()) {
      return CompletableFuture.failedFuture(new IllegalStateException("RedisLocks is closed"));
    }
    if (lease.isLost()) {
      return CompletableFuture.completedFuture(false); // never trusted again, whatever the key says now
    }
    long sentAt = System.nanoTime();
    CompletionStage<Long> reply;
    try {
      reply = parts.store().extend(lease.key, lease.token, additional.toMillis());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return thread.within(reply, commandTimeout.toNanos(), "extend of '" + name + "'",
        newLeaseMillis -> leases.extended(lease, sentAt, newLeaseMillis));
  }

  /** fence.lua: the hold's fencing token, drawn in the same step that checks the lease is still the hold's. */
  CompletableFuture<Long> fencingToken(String name, Lease lease) {
    if (parts.lifecycle().isClosed()) {
      return CompletableFuture.failedFuture(new IllegalStateException("RedisLocks is closed"));
    }
    if (lease.isLost()) {
      return CompletableFuture.failedFuture(HeldLeases.noFencingToken(name, lease));
    }
    CompletionStage<Long> reply;
    try {
      reply = parts.store().drawFencingToken(lease.key, lease.token, LockValue.metadata(settings.processPart()));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return thread.within(reply, commandTimeout.toNanos(), "fencingToken() of '" + name + "'",
        token -> leases.drawn(name, lease, token));
  }

  /** Not known to be lost or over; one found past its end is recorded as lost. No round trip. */
  boolean isValid(Lease lease) {
    return leases.isValid(lease);
  }

  /** Whether the caller is the async thread, which must not wait for its own tasks. */
  boolean onAsyncThread() {
    return thread.isCurrent();
  }

  /** How long {@link LockHold#close()} waits at most: the release's own bound, and a margin to hear of it. */
  Duration closeBound() {
    return commandTimeout.plusSeconds(1);
  }
}
