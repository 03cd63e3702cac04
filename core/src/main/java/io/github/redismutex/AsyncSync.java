package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The non-blocking API of one {@link RedisLocks}, for every name: what {@link RedisMutex#acquireAsync()} delegates
 * to. An acquisition is an {@link AsyncAcquisition} (a state machine on the {@link AsyncThread}) in this JVM's queue
 * of its name ({@link AsyncGates}); its hold is a {@link LockHold}, whose lease the {@link LeaseWatchdog} renews
 * with every other; what a hold asks of its lease is {@link AsyncHolds}. No thread waits while an acquisition waits.
 *
 * <p>Thread-safe: each call hands its work to the async thread.
 */
final class AsyncSync {
  private static final Logger log = LoggerFactory.getLogger(AsyncSync.class);

  private final AsyncParts async;

  AsyncSync(Collaborators parts, LockSettings settings, HeldLeases leases, AsyncThread thread) {
    this.async = new AsyncParts(parts, settings, thread, new AsyncGates(thread),
        new AsyncHolds(parts, settings, leases, thread));
  }

  /**
   * Starts an acquisition of {@code name}: waiting as long as it takes ({@code timeout} null), at most {@code
   * timeout}, or (zero) for one attempt whose answer it waits for at most {@link RedisMutex#NO_WAIT_REPLY_BUDGET}.
   * Returns at once; the stage completes on the async thread.
   */
  CompletionStage<LockHold> acquire(String name, String key, @Nullable Duration timeout) {
    Deadline deadline;
    if (timeout == null) {
      deadline = Deadline.never();
    } else if (timeout.isZero()) {
      deadline = Deadline.afterNanos(RedisMutex.NO_WAIT_REPLY_BUDGET.toNanos());
    } else {
      deadline = Deadline.afterNanos(WaitPolicy.nanosOf(timeout));
    }
    AsyncAcquisition acquisition =
        new AsyncAcquisition(name, key, deadline, timeout, timeout == null || !timeout.isZero(), async);
    async.thread().execute(acquisition::enqueue);
    return acquisition.result();
  }

  /**
   * Fails every acquisition under way with {@link IllegalStateException} and lets it leave Redis tidy (its
   * clean-ups go to {@link UnconfirmedReleases}, which close() flushes next), waiting at most {@code bound} for
   * that. Holds stay: their keys expire within their lease, as the blocking API's do.
   */
  void close(Duration bound) {
    if (!async.thread().isStarted()) {
      return; // never used: nothing to fail, and no thread to start now
    }
    CompletableFuture<Void> failed = new CompletableFuture<>();
    Runnable failAll = () -> {
      try {
        async.gates().all().forEach(AsyncAcquisition::closeNow);
        async.holds().closeReleases();
      } finally {
        failed.complete(null);
      }
    };
    if (async.thread().isCurrent()) {
      failAll.run(); // close() called in a dependent action: it cannot wait for its own thread
      return;
    }
    async.thread().execute(failAll);
    try {
      Deadline.afterNanos(bound.toNanos()).awaitUninterruptibly(failed);
    } catch (TimeoutException e) {
      log.debug("asynchronous acquisitions still under way at close");
    }
  }

  /** For tests: names with asynchronous acquisitions queued, contending or holding. Waits for the async thread. */
  int queuedNameCount() {
    if (!async.thread().isStarted() || async.thread().isCurrent()) {
      return async.thread().isStarted() ? async.gates().size() : 0;
    }
    CompletableFuture<Integer> size = new CompletableFuture<>();
    async.thread().execute(() -> size.complete(async.gates().size()));
    return size.join();
  }
}
