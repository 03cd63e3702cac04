package io.github.redismutex;

import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread's acquisition of a lock in Redis, from its first attempt until it holds the lock or gives up. It runs
 * with the name's local gate held, as the one contender of this JVM for the name; its state is its fields.
 *
 * <h2>The loop</h2>
 * Attempt with a fresh owner token: the first attempt is a plain {@code SET NX PX} (one command). If the lock is
 * held: register a {@link Waiter} (subscribe to the lock's channels) and wait for the subscription to be confirmed,
 * <em>then</em> attempt again with a ticket (acquire.lua), which marks the lock as awaited, so that its release will
 * be announced, and queues the ticket for a direct hand-over; then wait for a wake-up or for the holder's lease to
 * run out, and repeat. The waiter's signal is cleared before each attempt and the subscription is live before it,
 * so a release between a failed attempt and the wait cannot be missed. While it waits the thread sends no command.
 *
 * <h2>Hand-over by announcement</h2>
 * A release that finds a fresh ticket queued gives the key to its token with a short lease and announces "granted"
 * with the ticket's nonce ({@link Grant}). This acquisition holds the lock on hearing it, without another round
 * trip, only when the nonce is that of its latest attempt that answered: every attempt has a nonce of its own and
 * rewrites the ticket, so an announcement heard late (after a pause, a lagging connection), for an earlier attempt,
 * or forged by someone who can only publish, is never taken for a fresh one, whatever the fencing counter did
 * meanwhile. The lease's end is reckoned from that attempt's send time plus the time between the attempt and the
 * hand-over on the server's clock; a grant already over is left to the next attempt, which finds what is left of it
 * (acquire.lua accepts a key that holds our token). The rule is {@link QueuedAttempt}'s, shared with {@link
 * AsyncAcquisition}.
 *
 * <h2>Giving up</h2>
 * An acquisition that gives up (its deadline, an interrupt, close()) after it may have queued a ticket, or after an
 * attempt whose answer never came, leaves the queue and lets go of whatever a hand-over or that attempt gave it:
 * {@link UnconfirmedReleases#abandon}, which keeps the clean-up until Redis confirms it.
 *
 * <p>Not thread-safe: used by the one thread that acquires.
 */
final class Acquisition {
  private static final Logger log = LoggerFactory.getLogger(Acquisition.class);
  private static final RateLimitedLog UNREACHABLE = new RateLimitedLog(log);
  private static final long HELD = -2; // an attempt's outcome: the lock is held now, see `held`
  private static final long GIVE_UP = -1; // an attempt's outcome: the call ends without the lock

  private final LocalLock local;
  private final WaitPolicy wait;
  private final Deadline deadline;
  private final Collaborators parts;
  private final LockSettings settings;
  private final String token = UUID.randomUUID().toString(); // SecureRandom; never reused
  private final Backoff backoff = new Backoff();
  private @Nullable Waiter waiter; // registered once an attempt found the lock held
  private @Nullable QueuedAttempt latest; // null until a queueing attempt was answered; the one a grant may answer
  private boolean mayHaveAcquired; // an attempt's answer never came: it may have acquired, now or later
  private boolean queued; // a ticket attempt was sent: a ticket may be queued
  private boolean interrupted; // UNINTERRUPTIBLE only: restored on the way out
  private boolean attempted; // at least one attempt was sent: one always is, even past the deadline
  private @Nullable Lease held;

  Acquisition(LocalLock local, WaitPolicy wait, Deadline deadline, Collaborators parts, LockSettings settings) {
    this.local = local;
    this.wait = wait;
    this.deadline = deadline;
    this.parts = parts;
    this.settings = settings;
  }

  /** Acquires as {@link #wait} allows: the lease, registered with the watchdog; or null when the call gives up. */
  @Nullable Lease run() throws InterruptedException {
    try {
      while (held == null) {
        if (takeGrant()) {
          break;
        }
        if (deadline.hasPassed() && attempted) {
          return null; // out of time: no attempt whose answer nobody would wait for
        }
        attempted = true;
        prepareAttempt();
        long next = attempt();
        if (next == GIVE_UP) {
          return null;
        }
        if (next != HELD) {
          pause(next);
        }
      }
      return held;
    } finally {
      leave();
    }
  }

  /** Holds the lock if the latest attempt's hand-over was announced and is not over yet. */
  private boolean takeGrant() throws InterruptedException {
    Waiter registered = waiter;
    QueuedAttempt queued = latest;
    if (registered == null || queued == null) {
      return false;
    }
    Grant grant = registered.takeGrant(token);
    OptionalLong endsAt = grant == null ? OptionalLong.empty() : queued.trustedLeaseEnd(grant, System.nanoTime());
    if (grant == null || endsAt.isEmpty() || !handOverConfirmed() || endsAt.getAsLong() - System.nanoTime() <= 0) {
      return false; // not ours, or this thread was held up too long to rely on it: the next attempt finds out
    }
    Lease lease = new Lease(local.name, local.key, token, grant.fencingToken(), endsAt.getAsLong());
    hold(lease);
    parts.watchdog().renewNow(lease); // to the full lease at once, in the background
    parts.metrics().handOver(local.name, LockMetrics.HandOver.DIRECT);
    return true;
  }

  /**
   * Whether the store confirms the hand-over (at once, unless replicas must acknowledge it). If not, the key the
   * release gave this attempt stays queued-for: the next attempt takes it, or {@link #leave} releases it.
   */
  private boolean handOverConfirmed() throws InterruptedException {
    try {
      return await(parts.store().confirmHandOver(local.key, token));
    } catch (TimeoutException | RuntimeException e) {
      parts.metrics().redisError("acquire");
      return false;
    }
  }

  private void prepareAttempt() throws InterruptedException {
    if (waiter != null && waiter.subscribed.isCompletedExceptionally()) {
      parts.waiters().deregister(waiter); // its SUBSCRIBE failed during an outage: ask again
      waiter = null;
      subscribe();
    }
    if (waiter != null) {
      waiter.clear(); // before the attempt: a release announced from now on leaves a permit for the wait
    }
    parts.lifecycle().checkOpen(); // after clear(): close() marks closed before it wakes, so its wake-up stays
  }

  /** One attempt: {@link #HELD}, {@link #GIVE_UP}, or how long to wait before the next, in nanoseconds. */
  private long attempt() throws InterruptedException {
    LockStore.Ticket ticket = waiter == null ? null : ticket(deadline);
    queued |= ticket != null;
    long sentAt = System.nanoTime();
    CompletionStage<LockStore.Attempt> reply;
    LockStore.Attempt answer;
    try {
      reply = parts.store().acquire(local.key, token, settings.leaseMillis(),
          LockValue.metadata(settings.processPart()), ticket);
    } catch (RuntimeException e) {
      return onFailure(e);
    }
    try {
      answer = await(reply);
    } catch (TimeoutException | InterruptedException e) {
      return onNoAnswer(reply, e);
    } catch (RuntimeException e) {
      return onFailure(e);
    }
    mayHaveAcquired |= answer.uncertain();
    return switch (answer.outcome()) {
      case ACQUIRED -> onAcquired(sentAt, answer.fencingToken());
      case HELD -> onHeld(answer, sentAt, ticket);
      case NOT_A_LOCK -> throw notALock(local.name, local.key);
      case WRONG_TYPE -> throw wrongType(local.name, answer.badKey());
    };
  }

  /**
   * The attempt's answer did not come within its bound (the command timeout, the call's deadline), or the wait for
   * it was interrupted. It may still run: the reply is given up first, so that nothing more of it is sent after what
   * this acquisition sends next ({@link OrderedReply}), and the acquisition will clean up if it ends without the lock.
   */
  private long onNoAnswer(CompletionStage<LockStore.Attempt> reply, Exception cause) throws InterruptedException {
    reply.toCompletableFuture().cancel(false);
    mayHaveAcquired = true;
    if (cause instanceof InterruptedException interrupt) {
      if (wait.interruptible()) {
        throw interrupt;
      }
      interrupted = true;
      return 0;
    }
    return wait.waits() && !deadline.hasPassed() ? 0 : GIVE_UP; // only this command's cap ran out: again at once
  }

  /** A waiting attempt's ticket: a fresh nonce, and how long the call waits at most from now. */
  static LockStore.Ticket ticket(Deadline deadline) {
    return new LockStore.Ticket(UUID.randomUUID().toString(),
        deadline.isBounded() ? TimeUnit.NANOSECONDS.toMillis(deadline.remainingNanos()) : -1);
  }

  /**
   * How long a waiter whose attempt found the lock held waits at most before it looks again: until the holder's
   * lease runs out (+1 ms: PTTL rounds down); a key without expiry is not ours to wait out, so once a lease.
   */
  static long recheckNanos(long remainingLeaseMillis, long leaseMillis) {
    return TimeUnit.MILLISECONDS.toNanos(remainingLeaseMillis >= 0 ? remainingLeaseMillis + 1 : leaseMillis);
  }

  /** The message for a lock key that holds a value redis-mutex did not write. */
  static IllegalStateException notALock(String name, String key) {
    return new IllegalStateException("lock '" + name + "' cannot be acquired: its key '" + key + "' holds a value"
        + " that is not a string, so something other than redis-mutex uses it; choose another name or keyPrefix");
  }

  /** The message for a key of the lock that holds a value of the wrong type (an operator's mistake). */
  static IllegalStateException wrongType(String name, @Nullable String badKey) {
    return new IllegalStateException("lock '" + name + "' cannot be used: its key '" + badKey + "' holds a value"
        + " of the wrong type, which redis-mutex did not write; delete it, or choose another name or keyPrefix");
  }

  private long onAcquired(long sentAt, long fencingToken) {
    long endsAt = ClockDrift.leaseEndNanos(sentAt, settings.leaseMillis());
    if (endsAt - System.nanoTime() <= 0) {
      // This thread was held up past the lease it just got (a long pause): the lock may be another's by now. Never
      // return a lease that is already over: ask again (a key still ours counts as acquired).
      mayHaveAcquired = true;
      return wait.waits() && !deadline.hasPassed() ? 0 : GIVE_UP;
    }
    hold(new Lease(local.name, parts.store().leaseKey(local.key, token), token, fencingToken, endsAt));
    if (waiter != null) { // it waited: the lock came through Redis, after a release or an expiry
      parts.metrics().handOver(local.name, LockMetrics.HandOver.REDIS);
    }
    return HELD;
  }

  private long onHeld(LockStore.Attempt answer, long sentAt, LockStore.@Nullable Ticket ticket)
      throws InterruptedException {
    if (ticket != null && answer.serverMicros() >= 0) {
      latest = new QueuedAttempt(ticket.nonce(), sentAt, answer.serverMicros());
    }
    if (!wait.waits() || deadline.hasPassed()) {
      return GIVE_UP;
    }
    if (waiter == null) {
      subscribe();
      return 0; // attempt again now that no release can go unseen
    }
    long untilFree = recheckNanos(answer.remainingLeaseMillis(), settings.leaseMillis());
    if (waiter.isSubscribed()) {
      backoff.reset();
      return untilFree;
    }
    return Math.min(untilFree, backoff.nextNanos()); // no announcement can reach us yet: look again soon
  }

  private long onFailure(RuntimeException failure) throws InterruptedException {
    boolean outage = RedisFailures.isTransient(failure);
    // a dropped connection may have carried the command, and a failure after the write (a confirmation refused,
    // say) leaves the key ours: the clean-up, harmless if nothing was written, runs if the call ends without it
    mayHaveAcquired = true;
    parts.metrics().redisError("acquire");
    if (!outage || wait.throwsOutages()) {
      throw failure;
    }
    if (!wait.waits() || deadline.hasPassed()) {
      return GIVE_UP;
    }
    UNREACHABLE.warn("Redis unreachable (or replicas not acknowledging) while acquiring '{}' ({}); retrying in {} ms",
        local.name, failure.toString(), TimeUnit.NANOSECONDS.toMillis(backoff.peekNanos()));
    if (waiter == null) {
      subscribe(); // something to wait on, woken by close() and reconnects
    }
    return backoff.nextNanos();
  }

  /** Registers the waiter and waits, within the call's deadline, for its subscription to be confirmed. */
  private void subscribe() throws InterruptedException {
    waiter = parts.waiters().register(WakeupMode.watchedChannels(settings.database(), local.key));
    try {
      await(waiter.subscribed);
    } catch (TimeoutException | RuntimeException e) {
      // Not confirmed yet: attempts go on, with waits capped at the back-off until it is (see onHeld).
      log.debug("subscription for '{}' not confirmed yet", local.name, e);
    }
  }

  private void pause(long waitNanos) throws InterruptedException {
    long nanos = Math.min(waitNanos, deadline.remainingNanos());
    if (nanos <= 0) {
      return;
    }
    Waiter registered = waiter;
    if (registered == null) { // every wait follows an attempt that registered one: see onHeld and onFailure
      throw new IllegalStateException("a wait without a registered waiter");
    }
    try {
      boolean woken = registered.await(nanos);
      parts.metrics().wokenBy(woken ? LockMetrics.WakeUp.NOTIFICATION : LockMetrics.WakeUp.RECHECK);
    } catch (InterruptedException e) {
      if (wait.interruptible()) {
        throw e;
      }
      interrupted = true;
    }
  }

  /** Waits for a reply within the call's deadline and the command timeout, as the wait policy allows. */
  private <T> T await(CompletionStage<T> reply) throws InterruptedException, TimeoutException {
    Deadline bound = settings.commandDeadline(deadline);
    if (wait.interruptible()) {
      return bound.await(reply);
    }
    try {
      return bound.awaitUninterruptibly(reply);
    } finally {
      interrupted |= Thread.interrupted(); // restored on the way out, after the last wait
    }
  }

  private void hold(Lease lease) {
    local.hold(lease);
    parts.watchdog().register(lease); // before lock() returns: see LeaseWatchdog
    held = lease;
  }

  private void leave() {
    if (waiter != null) {
      parts.waiters().deregister(waiter);
    }
    if (held == null && (mayHaveAcquired || queued)) {
      parts.releases().abandon(parts.store().leaseKey(local.key, token), token); // kept until Redis confirms it
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
