package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * One {@link LockHold}'s release in Redis, without blocking: release.lua within one command timeout, retried with
 * {@link Backoff} while Redis is unreachable, as the blocking {@link Releaser} does, and with the same outcomes
 * ({@link Releaser#outcome}): a lease lost before or found lost now is a {@link LeaseExpiredException}; a release
 * that gets no answer in time, or cannot reach Redis, is handed to {@link UnconfirmedReleases}, which sends it again
 * until Redis confirms, and the stage fails with Lettuce's exception saying so.
 *
 * <p>Ordering kept, as for unlock: the lease leaves the watchdog before release.lua is sent, so no renewal outlives
 * the release. Runs on the {@link AsyncThread}; {@link #done} is the arbiter between the reply and the timer.
 */
@SuppressWarnings("FutureReturnValueIgnored") // callbacks: the futures whenComplete returns carry nothing more
final class AsyncRelease {
  private final String name;
  private final Lease lease;
  private final Collaborators parts;
  private final AsyncThread thread;
  private final Duration commandTimeout;
  private final CompletableFuture<Void> done;
  private final Deadline deadline;
  private final Backoff backoff = new Backoff();
  private boolean foundLostBefore;
  private @Nullable ScheduledFuture<?> timer;

  AsyncRelease(String name, Lease lease, Collaborators parts, AsyncThread thread, Duration commandTimeout,
      CompletableFuture<Void> done) {
    this.name = name;
    this.lease = lease;
    this.parts = parts;
    this.thread = thread;
    this.commandTimeout = commandTimeout;
    this.done = done;
    this.deadline = Deadline.afterNanos(commandTimeout.toNanos());
  }

  /** Retires the lease and sends the release; {@link #done} completes with its outcome. */
  void start() {
    parts.watchdog().deregister(lease); // before the release script: no renewal can outlive this release
    foundLostBefore = !lease.retire(); // after this, the watchdog cannot report a loss any more
    if (parts.lifecycle().isClosed()) { // as unlock: the hold is dropped, the key expires within its lease
      done.completeExceptionally(new IllegalStateException("RedisLocks is closed"));
      return;
    }
    timer = thread.schedule(this::noAnswer, deadline.remainingNanos());
    send();
  }

  private void send() {
    if (done.isDone()) {
      return;
    }
    CompletionStage<LockStore.Release> reply;
    try {
      reply = parts.store().release(lease.key, lease.token, LockKeys.releaseChannel(lease.key));
    } catch (RuntimeException e) {
      failed(e);
      return;
    }
    reply.whenComplete((result, failure) -> thread.execute(() -> answered(result, failure)));
  }

  private void answered(LockStore.@Nullable Release result, @Nullable Throwable failure) {
    if (done.isDone()) {
      return; // timed out first: the release was kept, and may have run
    }
    if (failure != null || result == null) {
      failed(failure == null ? new IllegalStateException("no answer") : RedisFailures.unwrap(failure));
      return;
    }
    cancelTimer();
    LeaseExpiredException lost = Releaser.outcome(parts.losses(), "release", name, lease, foundLostBefore, result);
    if (lost != null) {
      done.completeExceptionally(lost);
    } else {
      done.complete(null);
    }
  }

  private void failed(Throwable failure) {
    parts.metrics().redisError("release");
    boolean outage = RedisFailures.isTransient(failure);
    if (outage && deadline.remainingNanos() >= backoff.peekNanos()
        && thread.schedule(this::send, backoff.nextNanos()) != null) {
      return; // a bounded pause between retries
    }
    cancelTimer();
    if (outage) {
      parts.releases().release(lease.key, lease.token); // sent again once Redis is back
      done.completeExceptionally(Releaser.unreachable(name, lease, RedisFailures.asUnchecked(failure)));
    } else {
      done.completeExceptionally(failure);
    }
  }

  /** close() while the release is under way: it fails, and the release is kept to be sent once more at close. */
  void closeNow() {
    cancelTimer();
    if (done.completeExceptionally(new IllegalStateException("RedisLocks was closed while releasing '" + name
        + "'; the release is sent once more, else the key expires by itself by about " + lease.endsAt()))) {
      parts.releases().release(lease.key, lease.token);
    }
  }

  private void noAnswer() {
    if (done.completeExceptionally(Releaser.noAnswer("release", name, lease, commandTimeout))) {
      parts.metrics().redisError("release");
      parts.releases().release(lease.key, lease.token); // in case the first one is lost with its connection
    }
  }

  private void cancelTimer() {
    ScheduledFuture<?> pending = timer;
    timer = null;
    if (pending != null) {
      pending.cancel(false);
    }
  }
}
