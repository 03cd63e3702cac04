package io.github.redismutex;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One asynchronous acquisition of a lock ({@link RedisMutex#acquireAsync()}), from its turn in this JVM's queue
 * ({@link AsyncGates}) until it holds the lock or gives up: the loop of the blocking {@link Acquisition} as a state
 * machine, driven by store replies, {@link Waiter} wake-ups and timers, so that no thread waits while it waits. It
 * has an owner token of its own and never takes the blocking API's gate ({@link LocalLock}).
 *
 * <h2>Steps</h2>
 * The same as the blocking loop's, with the same rules: attempt ({@code SET NX PX}); if held, register a waiter
 * whose wake-ups are handed to the {@link AsyncThread}, and once its subscription is confirmed (or the command
 * timeout passed) attempt again with a ticket (acquire.lua: marks the lock awaited, queues the ticket); then wait for
 * a wake-up or for the holder's lease to end, and repeat. "Woken" is cleared before each attempt, and a wake-up
 * that comes while the attempt is under way makes the next wait end at once: no release between the attempt and the
 * wait goes unseen. A direct hand-over is trusted by {@link QueuedAttempt}'s rule and held once the store confirms
 * it ({@link LockStore#confirmHandOver}, awaited without blocking). Outages are waited out with {@link Backoff}.
 *
 * <h2>Giving up</h2>
 * At its deadline (the stage fails with {@link TimeoutException}), when the caller cancels or otherwise completes
 * the returned stage, or at {@code close()} ({@link IllegalStateException}): the attempt under way, if any, is given
 * up first (so no second command of it follows, {@link OrderedReply}), the waiter is deregistered, and if an attempt
 * may have acquired or a ticket may be queued, {@link UnconfirmedReleases#abandon} cleans up until Redis confirms.
 * A hold that comes after the caller gave up (the stage was cancelled between the decision and its completion) is
 * let go in Redis the same way: it is never leaked.
 *
 * <h2>Threads</h2>
 * Every method but the constructor runs on the {@link AsyncThread}. Each reply or timer belongs to one step
 * ({@link AsyncSteps}); one that arrives after the acquisition moved on is ignored. Not thread-safe: confined.
 */
@SuppressWarnings("FutureReturnValueIgnored") // callbacks: the futures whenComplete returns carry nothing more
final class AsyncAcquisition {
  private static final Logger log = LoggerFactory.getLogger(AsyncAcquisition.class);
  private static final RateLimitedLog UNREACHABLE = new RateLimitedLog(log);

  private enum Phase { QUEUED, SUBSCRIBING, ATTEMPTING, WAITING, CONFIRMING, HELD, DONE }

  final String name;
  final String key;
  private final Deadline deadline;
  private final @Nullable Duration timeout; // as given, for the message; null: waits as long as it takes
  // false for a timeout of zero: one attempt at most, no wait for a holder or an outage, none behind a local hold
  private final boolean waitsForTurn;
  private final AsyncParts async;
  private final Collaborators parts;
  private final LockSettings settings;
  private final CompletableFuture<LockHold> result = new CompletableFuture<>();
  private final String token = UUID.randomUUID().toString(); // SecureRandom; never reused
  private final Backoff backoff = new Backoff();
  private final long startNanos = System.nanoTime();
  private final AsyncSteps steps;
  private Phase phase = Phase.QUEUED;
  private @Nullable CompletableFuture<LockStore.Attempt> inFlight; // the attempt awaiting its answer
  private @Nullable Waiter waiter; // registered once an attempt found the lock held
  private @Nullable QueuedAttempt latest; // the latest answered queueing attempt: the one a grant may answer
  private boolean woken; // a wake-up came since the latest attempt was sent
  private boolean mayHaveAcquired; // an attempt's answer never came: it may have acquired, now or later
  private boolean queued; // a ticket attempt was sent: a ticket may be queued
  private boolean attempted; // one attempt is always sent, even past the deadline

  AsyncAcquisition(String name, String key, Deadline deadline, @Nullable Duration timeout, boolean waitsForTurn,
      AsyncParts async) {
    this.name = name;
    this.key = key;
    this.deadline = deadline;
    this.timeout = timeout;
    this.waitsForTurn = waitsForTurn;
    this.async = async;
    this.parts = async.parts();
    this.settings = async.settings();
    this.steps = new AsyncSteps(async.thread());
  }

  /** The stage the caller gets: completed on the async thread with the hold, or exceptionally. */
  CompletableFuture<LockHold> result() {
    return result;
  }

  /** The first step: joins this JVM's queue for the name, and starts if it heads it. */
  void enqueue() {
    parts.metrics().waiting(1);
    if (parts.lifecycle().isClosed()) {
      giveUp(closed(), LockMetrics.Outcome.FAILED);
      return;
    }
    result.whenComplete((hold, failure) -> async.thread().execute(this::onCallerCompleted));
    if (result.isDone()) { // cancelled before it started
      onCallerCompleted();
    } else if (async.gates().join(this)) {
      start();
    } else if (!waitsForTurn) {
      timeOut();
    } else if (deadline.isBounded()) {
      steps.schedule(steps.next(), this::timeOut, deadline.remainingNanos());
    }
  }

  /** Its turn: it heads the queue of its name, so it contends in Redis now. */
  void start() {
    if (phase == Phase.QUEUED && async.gates().heads(this)) {
      attempt();
    }
  }

  /** close(): fails an acquisition that does not hold the lock; a hold stays, and its key expires by itself. */
  void closeNow() {
    giveUp(closed(), LockMetrics.Outcome.FAILED);
  }

  private void attempt() {
    if (parts.lifecycle().isClosed()) {
      giveUp(closed(), LockMetrics.Outcome.FAILED);
      return;
    }
    if ((deadline.hasPassed() || !waitsForTurn) && attempted) {
      timeOut(); // out of time, or a timeout of zero: no attempt whose answer nobody would wait for
      return;
    }
    attempted = true;
    if (waiter != null && waiter.subscribed.isCompletedExceptionally()) {
      deregisterWaiter(); // its SUBSCRIBE failed during an outage: ask again, and attempt meanwhile
      if (!register()) {
        return;
      }
    }
    Waiter registered = waiter;
    woken = false; // before the attempt: a wake-up from now on ends the wait after it
    LockStore.Ticket ticket = registered == null ? null : Acquisition.ticket(deadline);
    queued |= ticket != null;
    long sentAt = System.nanoTime();
    int attemptStep = next(Phase.ATTEMPTING);
    CompletableFuture<LockStore.Attempt> reply;
    try {
      reply = parts.store().acquire(key, token, settings.leaseMillis(), LockValue.metadata(settings.processPart()),
          ticket).toCompletableFuture();
    } catch (RuntimeException e) {
      onFailure(e);
      return;
    }
    inFlight = reply;
    steps.schedule(attemptStep, this::onNoAnswer, settings.commandDeadline(deadline).remainingNanos());
    reply.whenComplete((answer, failure) ->
        steps.whenCurrent(attemptStep, () -> onAnswer(sentAt, ticket, answer, failure)).run());
  }

  /** Ignored when given up on, or answered after its command timeout (see {@link AsyncSteps}). */
  private void onAnswer(long sentAt, LockStore.@Nullable Ticket ticket, LockStore.@Nullable Attempt answer,
      @Nullable Throwable failure) {
    steps.next();
    inFlight = null;
    if (failure != null || answer == null) {
      onFailure(failure == null ? new IllegalStateException("no answer") : RedisFailures.unwrap(failure));
      return;
    }
    mayHaveAcquired |= answer.uncertain();
    switch (answer.outcome()) {
      case ACQUIRED -> onAcquired(sentAt, answer.fencingToken());
      case HELD -> onHeld(answer, sentAt, ticket);
      case NOT_A_LOCK -> giveUp(Acquisition.notALock(name, key), LockMetrics.Outcome.FAILED);
      case WRONG_TYPE -> giveUp(Acquisition.wrongType(name, answer.badKey()), LockMetrics.Outcome.FAILED);
    }
  }

  /** The attempt's answer did not come within the command timeout or the deadline: it may still run. */
  private void onNoAnswer() {
    giveUpAttempt();
    attempt(); // at once, unless the deadline passed: then it times out
  }

  private void onAcquired(long sentAt, long fencingToken) {
    long endsAt = ClockDrift.leaseEndNanos(sentAt, settings.leaseMillis());
    if (endsAt - System.nanoTime() <= 0) {
      mayHaveAcquired = true; // held up past the lease it just got: never hand out a lease already over
      attempt();
      return;
    }
    if (waiter != null) { // it waited: the lock came through Redis, after a release or an expiry
      parts.metrics().handOver(name, LockMetrics.HandOver.REDIS);
    }
    hold(new Lease(name, key, token, fencingToken, endsAt), false);
  }

  private void onHeld(LockStore.Attempt answer, long sentAt, LockStore.@Nullable Ticket ticket) {
    if (ticket != null && answer.serverMicros() >= 0) {
      latest = new QueuedAttempt(ticket.nonce(), sentAt, answer.serverMicros());
    }
    Waiter registered = waiter;
    if (deadline.hasPassed() || !waitsForTurn) {
      timeOut();
    } else if (registered == null) {
      subscribe(); // then attempt again, once no release can go unseen
    } else {
      long untilFree = Acquisition.recheckNanos(answer.remainingLeaseMillis(), settings.leaseMillis());
      if (registered.isSubscribed()) {
        backoff.reset();
        pause(untilFree);
      } else {
        pause(Math.min(untilFree, backoff.nextNanos())); // no announcement can reach us yet: look again soon
      }
    }
  }

  private void onFailure(Throwable failure) {
    boolean outage = RedisFailures.isTransient(failure);
    // a dropped connection may have carried the command, and a failure after the write (a confirmation refused,
    // say) leaves the key ours: the clean-up, harmless if nothing was written, runs if the call ends without it
    mayHaveAcquired = true;
    parts.metrics().redisError("acquire");
    if (!outage) {
      giveUp(failure, LockMetrics.Outcome.FAILED);
      return;
    }
    if (deadline.hasPassed() || !waitsForTurn) {
      timeOut();
      return;
    }
    UNREACHABLE.warn("Redis unreachable while acquiring '{}' asynchronously ({}); retrying in {} ms", name,
        failure.toString(), TimeUnit.NANOSECONDS.toMillis(backoff.peekNanos()));
    if (waiter == null && !register()) {
      return; // something to be woken by, by close() and reconnects
    }
    pause(backoff.nextNanos());
  }

  /** Registers the waiter, then attempts again once its subscription is confirmed or the command timeout passed. */
  private void subscribe() {
    Waiter registered = register() ? waiter : null;
    if (registered == null) {
      return;
    }
    int subscribeStep = next(Phase.SUBSCRIBING);
    // confirmed, or not in time: attempts go on then, with waits capped at the back-off (see onHeld)
    steps.schedule(subscribeStep, this::lookAgain, settings.commandDeadline(deadline).remainingNanos());
    registered.subscribed.whenComplete((ok, failure) -> steps.whenCurrent(subscribeStep, this::lookAgain).run());
  }

  private boolean register() {
    try {
      waiter = parts.waiters().register(WakeupMode.watchedChannels(settings.database(), key),
          () -> async.thread().execute(this::onWake));
      return true;
    } catch (IllegalStateException e) { // the registry is closed
      giveUp(e, LockMetrics.Outcome.FAILED);
      return false;
    }
  }

  private void pause(long nanos) {
    int pauseStep = next(Phase.WAITING);
    if (woken) { // a wake-up came while the attempt was under way
      parts.metrics().wokenBy(LockMetrics.WakeUp.NOTIFICATION);
      lookAgain();
      return;
    }
    steps.schedule(pauseStep, () -> {
      parts.metrics().wokenBy(LockMetrics.WakeUp.RECHECK);
      lookAgain();
    }, Math.min(nanos, deadline.remainingNanos()));
  }

  /** A release, a hand-over, an expiry, a reconnect or close(): handed here from whoever woke the waiter. */
  private void onWake() {
    woken = true;
    if (phase == Phase.WAITING) {
      parts.metrics().wokenBy(LockMetrics.WakeUp.NOTIFICATION);
      lookAgain();
    }
  }

  private void lookAgain() {
    if (!takeGrant()) {
      attempt();
    }
  }

  /** Starts taking the latest attempt's hand-over, if one was announced and may be trusted. */
  private boolean takeGrant() {
    Waiter registered = waiter;
    QueuedAttempt attempt = latest;
    Grant grant = registered == null || attempt == null ? null : registered.takeGrant(token);
    OptionalLong endsAt =
        grant == null || attempt == null ? OptionalLong.empty() : attempt.trustedLeaseEnd(grant, System.nanoTime());
    if (grant == null || endsAt.isEmpty()) {
      return false;
    }
    CompletableFuture<Boolean> confirmed;
    try {
      confirmed = parts.store().confirmHandOver(key, token).toCompletableFuture();
    } catch (RuntimeException e) {
      parts.metrics().redisError("acquire");
      return false; // the key the release gave us stays queued-for: the next attempt takes it, or giveUp releases it
    }
    int confirmStep = next(Phase.CONFIRMING);
    steps.schedule(confirmStep, () -> onConfirmed(grant, endsAt.getAsLong(), null),
        settings.commandDeadline(deadline).remainingNanos());
    confirmed.whenComplete((ok, failure) -> steps.whenCurrent(confirmStep,
        () -> onConfirmed(grant, endsAt.getAsLong(), failure == null ? ok : null)).run());
    return true;
  }

  private void onConfirmed(Grant grant, long endsAt, @Nullable Boolean confirmed) {
    if (confirmed == null) {
      parts.metrics().redisError("acquire"); // failed, or no answer in time
    }
    if (!Boolean.TRUE.equals(confirmed) || endsAt - System.nanoTime() <= 0) {
      attempt(); // the next attempt finds out what is left of the hand-over
      return;
    }
    parts.metrics().handOver(name, LockMetrics.HandOver.DIRECT);
    hold(new Lease(name, key, token, grant.fencingToken(), endsAt), true);
  }

  private void hold(Lease lease, boolean handedOver) {
    next(Phase.HELD);
    deregisterWaiter();
    parts.watchdog().register(lease); // before the stage completes: see LeaseWatchdog
    if (handedOver) {
      parts.watchdog().renewNow(lease); // to the full lease at once, in the background
    }
    LockHold hold = new LockHold(name, lease, async.holds(), () -> async.gates().leave(this));
    boolean given = result.complete(hold);
    record(given ? LockMetrics.Outcome.ACQUIRED : LockMetrics.Outcome.INTERRUPTED);
    if (!given) { // the caller cancelled meanwhile: never leak the hold
      phase = Phase.DONE;
      async.holds().letGo(lease);
      async.gates().leave(this);
    }
  }

  /** The caller completed the stage itself (cancel, a timeout of its own) before this acquisition did. */
  private void onCallerCompleted() {
    giveUp(new CancellationException("acquisition of '" + name + "' cancelled"), LockMetrics.Outcome.INTERRUPTED);
  }

  private void timeOut() {
    giveUp(new TimeoutException("acquireAsync of '" + name + "' did not get the lock within " + timeout),
        LockMetrics.Outcome.TIMED_OUT);
  }

  /** Ends without the lock, leaving Redis tidy; nothing if it already ended or holds the lock. */
  private void giveUp(Throwable failure, LockMetrics.Outcome outcome) {
    if (phase == Phase.HELD || phase == Phase.DONE) {
      return;
    }
    giveUpAttempt();
    next(Phase.DONE);
    deregisterWaiter();
    if (mayHaveAcquired || queued) {
      parts.releases().abandon(key, token); // kept until Redis confirms it
    }
    record(outcome);
    result.completeExceptionally(failure);
    async.gates().leave(this);
  }

  /** Gives up the attempt awaiting its answer: first, so that nothing more of it is sent after a clean-up. */
  private void giveUpAttempt() {
    CompletableFuture<LockStore.Attempt> late = inFlight;
    inFlight = null;
    steps.next(); // its answer, when it comes, is ignored
    if (late != null) {
      late.cancel(false);
      mayHaveAcquired = true;
    }
  }

  private void deregisterWaiter() {
    Waiter registered = waiter;
    waiter = null;
    if (registered != null) {
      parts.waiters().deregister(registered);
    }
  }

  private void record(LockMetrics.Outcome outcome) {
    parts.metrics().waiting(-1);
    parts.metrics().acquisition(name, outcome, System.nanoTime() - startNanos);
  }

  private static IllegalStateException closed() {
    return new IllegalStateException("RedisLocks is closed");
  }

  /** Moves to the next step, in {@code next}: the current step's timer is cancelled, its replies ignored. */
  private int next(Phase next) {
    phase = next;
    return steps.next();
  }
}
