package io.github.redismutex;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lock algorithm of one {@link RedisLocks}, for every name: what {@link RedisMutex} delegates to (as
 * {@code ReentrantLock} delegates to its {@code Sync}).
 *
 * <h2>Acquire</h2>
 * Take the name's local gate ({@link LocalLock}); a thread that already held it has re-entered and is done, at
 * zero round trips, and so is a thread that finds a lease offered by the previous local holder (a local hand-over,
 * below). Otherwise attempt with a fresh UUID token: {@code SET NX PX} sets the key if it is free (one round trip,
 * one command). If it is not: register a {@link Waiter} (subscribe to the
 * key's wake-up channels) and wait for the subscription to be confirmed, <em>then</em> run acquire.lua, which
 * now also marks the lock as awaited, so that the release will be announced; it either acquires or returns the
 * holder's remaining lease; wait until a wake-up arrives or that lease runs out, and repeat. Because the
 * subscription is live before each marking attempt and the waiter's signal is cleared before it, a release between
 * a failed attempt and the wait cannot be missed (the lost-wakeup race is impossible by construction). While it
 * waits, the thread sends no command. On success the {@link Lease} is registered with the {@link LeaseWatchdog}
 * before the call returns.
 *
 * <h2>Release</h2>
 * The outermost unlock deregisters the lease from the watchdog, then runs release.lua (compare-and-delete) on the
 * caller's thread. A key that is gone or owned by another token is left untouched and reported as a {@link
 * LeaseExpiredException}. When waiters of other processes were announced, release.lua hands the lock straight to
 * the oldest queued one (below); with none queued (Redlock) it keeps this RedisLocks from taking the lock back for
 * {@value LettuceLockStore#GIVE_WAY_MILLIS} ms, so one of them gets its turn.
 *
 * <h2>Hand-over between processes</h2>
 * A marking attempt also queues its token (acquire.lua). A release that finds the lock awaited gives the key to the
 * oldest queued token with a short lease and the next fencing token, and announces "granted" with both: the waiter
 * whose token it is holds the lock on hearing it ({@link Waiter#takeGrant}), with no further round trip, and has the
 * watchdog renew the lease at once. It trusts the announcement only if its fencing token is above the counter its
 * latest attempt saw, which proves the hand-over ran after that attempt (a message heard late, after a pause, may
 * announce a hand-over that has long expired); its lease end is then reckoned from that attempt's send time. A waiter
 * that leaves without the lock leaves the queue and releases whatever a grant gave it meanwhile ({@link
 * LockStore#abandon}).
 *
 * <h2>Local hand-over</h2>
 * When other threads of this JVM queue at the gate, the lease is still valid, and fewer than {@code
 * maxLocalHandOvers} hand-overs preceded it in a row, the outermost unlock instead offers the lease to the next
 * gate holder ({@link LocalLock#offered}) and sends nothing: the key, its owner token and its renewal stay, the
 * fencing token is reset so the next hold draws its own. The bound hands the lock to other processes at regular
 * intervals; {@link #leave} releases an offer that every waiting thread gave up on.
 *
 * <h2>Fencing</h2>
 * A hold draws its fencing token on the first {@code fencingToken()} call (fence.lua, one round trip), never
 * otherwise, so the uncontended cycle stays at two round trips and four commands.
 *
 * <h2>Time and failures</h2>
 * One {@link Deadline} per call bounds every command, retry and subscription; each command is further capped at
 * the command timeout. A command whose answer never came may still run later: the token then keeps it harmless
 * (acquire.lua accepts a key holding our own token, and an abandoned acquisition is released in the background).
 * Outages are retried with back-off from {@value #MIN_BACKOFF_MILLIS} to {@value #MAX_BACKOFF_MILLIS} ms by
 * {@code lock()}, until the deadline by {@code tryLock(t)}; error replies a retry cannot cure are thrown.
 *
 * <p>Thread-safe.
 */
final class MutexSync {
  private static final Logger log = LoggerFactory.getLogger(MutexSync.class);

  static final long MIN_BACKOFF_MILLIS = 10;
  static final long MAX_BACKOFF_MILLIS = 1_000;

  /** How a call waits, as the {@code Lock} method it serves. */
  enum Wait {
    NONE, // tryLock(): one attempt
    TIMED, // tryLock(t): until the deadline, interruptible
    INTERRUPTIBLE, // lockInterruptibly()
    UNINTERRUPTIBLE; // lock(): keeps waiting and keeps the interrupt for later

    boolean interruptible() {
      return this == TIMED || this == INTERRUPTIBLE;
    }
  }

  /**
   * What a {@code MutexSync} knows of its {@link RedisLocks} besides its collaborators.
   *
   * @param database the logical database, which names keyspace channels
   * @param processPart "{@code <pid> <host>}" for the holder metadata of lock values ({@link LockValue})
   * @param maxLocalHandOvers consecutive local hand-overs allowed before the lock goes through Redis
   */
  record Settings(Duration leaseTime, Duration commandTimeout, WakeupMode wakeupMode, int database,
      String processPart, int maxLocalHandOvers) {}

  private final LockTable table;
  private final LockStore store;
  private final WaiterRegistry waiters;
  private final LeaseWatchdog watchdog;
  private final LeaseLossReporter losses;
  private final WakeupMode wakeupMode;
  private final int database;
  private final String processPart;
  private final long leaseMillis;
  private final long commandTimeoutNanos;
  private final int maxLocalHandOvers;
  private volatile boolean closed;

  MutexSync(
      LockTable table,
      LockStore store,
      WaiterRegistry waiters,
      LeaseWatchdog watchdog,
      LeaseLossReporter losses,
      Settings settings) {
    this.table = table;
    this.store = store;
    this.waiters = waiters;
    this.watchdog = watchdog;
    this.losses = losses;
    this.wakeupMode = settings.wakeupMode();
    this.database = settings.database();
    this.processPart = settings.processPart();
    this.leaseMillis = settings.leaseTime().toMillis();
    this.commandTimeoutNanos = settings.commandTimeout().toNanos();
    this.maxLocalHandOvers = settings.maxLocalHandOvers();
  }

  WakeupMode wakeupMode() {
    return wakeupMode;
  }

  /** After this, every call fails with {@link IllegalStateException}; waiting threads are woken to find out. */
  void close() {
    closed = true;
    waiters.close();
  }

  boolean acquire(String name, Wait wait, Deadline deadline) throws InterruptedException {
    checkOpen();
    if (wait.interruptible() && Thread.interrupted()) {
      throw new InterruptedException("interrupted before acquiring lock '" + name + "'");
    }
    LocalLock local = table.use(name);
    boolean acquired = false;
    try {
      if (!enterGate(local, wait, deadline)) {
        return false;
      }
      try {
        if (local.gate.getHoldCount() > 1) {
          acquired = true; // re-entry: the gate's hold count is the lock's; nothing to ask Redis
          return true;
        }
        Lease offered = local.offered;
        if (offered != null) {
          local.offered = null;
          if (offered.isValid()) {
            local.lease = offered; // a local hand-over: held, with the key, token and renewal of the last holder
            acquired = true;
            return true;
          }
          letGo(offered); // lost or past its end while on offer: not to be trusted; acquire anew
        }
        acquired = acquireInRedis(local, wait, deadline);
        return acquired;
      } finally {
        if (!acquired) {
          local.gate.unlock();
        }
      }
    } finally {
      if (!acquired) {
        leave(local);
      }
    }
  }

  /** Ends one use of the entry; if that leaves an offered lease without a taker, lets it go in Redis. */
  private void leave(LocalLock local) {
    Lease orphan = table.release(local);
    if (orphan != null) {
      letGo(orphan);
    }
  }

  /** Releases a lease nobody holds any more, in the background: its key expires by itself should this fail. */
  private void letGo(Lease lease) {
    watchdog.deregister(lease);
    lease.retire();
    if (!closed) {
      store.release(lease.key, lease.token, LockKeys.releaseChannel(lease.key)); // answer not needed
    }
  }

  private static boolean enterGate(LocalLock local, Wait wait, Deadline deadline) throws InterruptedException {
    switch (wait) {
      case NONE:
        return local.gate.tryLock();
      case TIMED:
        return local.gate.tryLock(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
      case INTERRUPTIBLE:
        local.gate.lockInterruptibly();
        return true;
      default:
        local.gate.lock();
        return true;
    }
  }

  /** Runs with the gate held by the caller and no hold yet: the one contender of this JVM for the name. */
  private boolean acquireInRedis(LocalLock local, Wait wait, Deadline deadline) throws InterruptedException {
    String token = UUID.randomUUID().toString();
    Waiter waiter = null;
    boolean acquired = false;
    boolean lostAnswer = false; // an attempt's answer never came: it may have acquired, now or later
    boolean queued = false; // a marking attempt ran: acquire.lua may have queued this token for a hand-over
    long heldSentAt = 0; // send time of the latest marking attempt that found the lock held ...
    long heldFenceCounter = -1; // ... and the fencing counter it saw: -1 until one did
    boolean interrupted = false; // lock() only: an interrupt that arrived while waiting, set again on the way out
    long backoffNanos = TimeUnit.MILLISECONDS.toNanos(MIN_BACKOFF_MILLIS);
    try {
      while (true) {
        Waiter.Grant grant = waiter == null ? null : waiter.takeGrant(token);
        if (grant != null && heldFenceCounter >= 0 && grant.fencingToken() > heldFenceCounter) {
          // Handed over by a release (release.lua) that ran after our latest attempt (it drew a fencing token past
          // the counter that attempt saw), so after that attempt was sent: the key holds our token for the grant's
          // lease from then on. A grant that fails this test was over before that attempt; the next attempt finds
          // out what is left of it (acquire.lua accepts a key that holds our token).
          long endsAt = store.leaseEndNanos(heldSentAt, grant.leaseMillis());
          if (endsAt - System.nanoTime() > 0) { // else this thread was held up too long to rely on it
            Lease lease = new Lease(local.name, local.key, token, grant.fencingToken(), endsAt);
            local.lease = lease;
            watchdog.register(lease);
            watchdog.renewNow(lease); // to the full lease at once, in the background
            acquired = true;
            return true;
          }
        }
        if (waiter != null && waiter.subscribed.isCompletedExceptionally()) {
          waiters.deregister(waiter); // its SUBSCRIBE failed during an outage: ask again
          waiter = null;
          waiter = subscribe(local, wait, deadline);
        }
        if (waiter != null) {
          waiter.clear(); // before the attempt: a release announced from now on leaves a permit for the wait
        }
        checkOpen(); // after clear(): close() sets the flag before it wakes, so its wake-up cannot be cleared away
        long waitNanos;
        long sentAt = System.nanoTime();
        queued |= waiter != null;
        try {
          // Before the subscription is live, nobody is told of a mark: only a waiter's attempts set it.
          String metadata = LockValue.metadata(processPart); // "acquired at" is this attempt's time
          LockStore.Attempt attempt =
              await(store.acquire(local.key, token, leaseMillis, metadata, waiter != null), wait, deadline);
          if (attempt.outcome() == LockStore.Attempt.Outcome.ACQUIRED) {
            long endsAt = store.leaseEndNanos(sentAt, leaseMillis);
            if (endsAt - System.nanoTime() <= 0) {
              // This thread was held up past the lease it just got (a long pause): the lock may be another's by
              // now. Never return a lease that is already over: ask again (a key still ours counts as acquired).
              lostAnswer = true;
              if (wait == Wait.NONE || deadline.hasPassed()) {
                return false;
              }
              continue;
            }
            Lease lease = new Lease(local.name, local.key, token, attempt.fencingToken(), endsAt);
            local.lease = lease;
            watchdog.register(lease); // before lock() returns: see LeaseWatchdog
            acquired = true;
            return true;
          }
          if (attempt.outcome() == LockStore.Attempt.Outcome.NOT_A_LOCK) {
            throw new IllegalStateException(
                "lock '" + local.name + "' cannot be acquired: its key '" + local.key
                    + "' holds a value that is not a string, so something other than redis-mutex uses it;"
                    + " choose another name or keyPrefix");
          }
          if (wait == Wait.NONE || deadline.hasPassed()) {
            return false;
          }
          if (waiter == null) {
            waiter = subscribe(local, wait, deadline);
            continue; // attempt again now that no release can go unseen
          }
          heldSentAt = sentAt;
          heldFenceCounter = attempt.fencingToken(); // the counter it saw: a later hand-over draws past it
          long remaining = attempt.remainingLeaseMillis();
          // Re-check when the holder's lease runs out (+1 ms: PTTL rounds down); a key without expiry is not
          // ours to wait out, so look again once a lease.
          waitNanos = TimeUnit.MILLISECONDS.toNanos(remaining >= 0 ? remaining + 1 : leaseMillis);
          if (waiter.isSubscribed()) {
            backoffNanos = TimeUnit.MILLISECONDS.toNanos(MIN_BACKOFF_MILLIS);
          } else {
            // No announcement can reach us yet: look again after a back-off that grows while that lasts.
            waitNanos = Math.min(waitNanos, backoffNanos);
            backoffNanos = Math.min(backoffNanos * 2, TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS));
          }
        } catch (TimeoutException e) {
          lostAnswer = true;
          if (wait == Wait.NONE || deadline.hasPassed()) {
            return false;
          }
          waitNanos = 0; // only this command's own cap ran out: attempt again at once
        } catch (InterruptedException e) {
          lostAnswer = true;
          if (wait.interruptible()) {
            throw e;
          }
          interrupted = true;
          waitNanos = 0;
        } catch (RuntimeException e) {
          lostAnswer |= RedisFailures.isTransient(e); // a dropped connection may have carried the command
          if (!RedisFailures.isTransient(e) || wait == Wait.NONE) {
            throw e;
          }
          if (deadline.hasPassed()) {
            return false;
          }
          log.debug("Redis unavailable while acquiring '{}'; retrying in {} ms", local.name,
              TimeUnit.NANOSECONDS.toMillis(backoffNanos), e);
          if (waiter == null) {
            waiter = subscribe(local, wait, deadline); // something to wait on, woken by close() and reconnects
          }
          waitNanos = backoffNanos;
          backoffNanos = Math.min(backoffNanos * 2, TimeUnit.MILLISECONDS.toNanos(MAX_BACKOFF_MILLIS));
        }
        long nanos = Math.min(waitNanos, deadline.remainingNanos());
        if (nanos > 0) {
          try {
            waiter.await(nanos);
          } catch (InterruptedException e) {
            if (wait.interruptible()) {
              throw e;
            }
            interrupted = true;
          }
        }
      }
    } finally {
      if (waiter != null) {
        waiters.deregister(waiter);
      }
      if (!acquired && (lostAnswer || queued) && !closed) {
        // Leave the queue, and let go of whatever a lost answer or a hand-over gave us; answer not needed.
        store.abandon(local.key, token, LockKeys.releaseChannel(local.key),
            queued ? token + " " + processPart + " " + Thread.currentThread().getName() : "");
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Registers a waiter and waits, within the call's deadline, for its subscription to be confirmed. */
  private Waiter subscribe(LocalLock local, Wait wait, Deadline deadline) throws InterruptedException {
    Waiter waiter = waiters.register(WakeupMode.watchedChannels(database, local.key));
    try {
      if (wait.interruptible()) {
        commandDeadline(deadline).await(waiter.subscribed);
      } else {
        commandDeadline(deadline).awaitUninterruptibly(waiter.subscribed);
      }
    } catch (TimeoutException | RuntimeException e) {
      // Not confirmed yet: attempts go on, with waits capped at the back-off until it is (see acquireInRedis).
      log.debug("subscription for '{}' not confirmed yet", local.name, e);
    } catch (InterruptedException e) {
      waiters.deregister(waiter); // not yet the caller's to clean up
      throw e;
    }
    return waiter;
  }

  void release(String name) {
    LocalLock local = heldLocalLock(name, "unlock");
    if (local.gate.getHoldCount() > 1) {
      local.gate.unlock(); // inner unlock of a re-entry: no round trip
      leave(local);
      return;
    }
    releaseHolds(local, 1);
  }

  /**
   * For {@code Condition.await}: releases every hold of the calling thread at once (one round trip) and returns how
   * many there were, for {@link #reacquire}.
   *
   * @throws IllegalMonitorStateException if the calling thread does not hold the lock
   * @throws LeaseExpiredException if the lease had been lost; the holds are released all the same
   */
  int releaseAllHolds(String name) {
    LocalLock local = heldLocalLock(name, "await");
    int holds = local.gate.getHoldCount();
    releaseHolds(local, holds);
    return holds;
  }

  /** After {@code Condition.await}: acquires the lock again, uninterruptibly, with the hold count it had. */
  void reacquire(String name, int holds) {
    try {
      acquire(name, Wait.UNINTERRUPTIBLE, Deadline.never());
    } catch (InterruptedException e) {
      throw new AssertionError("uninterruptible acquisition was interrupted", e);
    }
    for (int i = 1; i < holds; i++) { // re-entries, taken directly: nothing can fail half-way
      LocalLock local = table.use(name);
      local.gate.lock();
    }
  }

  /**
   * The outermost release: a local hand-over if one is due, else the lease out of the watchdog, then release.lua;
   * then the local holds.
   */
  private void releaseHolds(LocalLock local, int holds) {
    try {
      Lease lease = local.lease;
      local.lease = null;
      if (lease.localHandOvers() < maxLocalHandOvers && local.gate.hasQueuedThreads() && lease.isValid()
          && !closed) {
        lease.handedOver();
        local.offered = lease; // before the gate opens: the next holder finds it (see LocalLock#offered)
        return;
      }
      watchdog.deregister(lease); // before the release script: no renewal can outlive this unlock
      boolean foundLostBefore = !lease.retire(); // after this, the watchdog cannot report a loss any more
      checkOpen();
      LockStore.Release result = releaseInRedis(local.name, lease);
      if (foundLostBefore) { // the critical section ran unprotected since then
        throw new LeaseExpiredException(
            local.name, toInstant(lease.endsAtNanos()), toInstant(lease.lostAtNanos()), result);
      }
      if (result != LockStore.Release.RELEASED) {
        losses.reportAtUnlock(
            lease, "unlock found its key " + (result == LockStore.Release.TAKEN ? "taken" : "gone"));
        throw new LeaseExpiredException(local.name, toInstant(lease.endsAtNanos()), null, result);
      }
    } finally {
      for (int i = 0; i < holds; i++) {
        local.gate.unlock();
        leave(local);
      }
    }
  }

  private LocalLock heldLocalLock(String name, String what) {
    LocalLock local = table.peek(name);
    if (local == null || local.holdCount() == 0) {
      throw new IllegalMonitorStateException(
          what + " of '" + name + "' by thread '" + Thread.currentThread().getName() + "', which does not hold it");
    }
    return local;
  }

  /**
   * release.lua within one command timeout, retried with back-off while Redis is unreachable (a reconnect after a
   * restart, say). Not interruptible: an interrupt is kept for the caller.
   */
  private LockStore.Release releaseInRedis(String name, Lease lease) {
    Deadline deadline = Deadline.afterNanos(commandTimeoutNanos);
    long backoffNanos = TimeUnit.MILLISECONDS.toNanos(MIN_BACKOFF_MILLIS);
    boolean interrupted = Thread.interrupted(); // restored below; parking must not return early because of it
    try {
      while (true) {
        try {
          return deadline.awaitUninterruptibly(
              store.release(lease.key, lease.token, LockKeys.releaseChannel(lease.key)));
        } catch (TimeoutException e) {
          throw new RedisCommandTimeoutException(
              "unlock of '" + name + "' got no answer from Redis within " + Duration.ofNanos(commandTimeoutNanos)
                  + "; the release may still run, else the lease ends by itself by about "
                  + toInstant(lease.endsAtNanos()));
        } catch (RuntimeException e) {
          if (!RedisFailures.isTransient(e)) {
            throw e;
          }
          if (deadline.remainingNanos() < backoffNanos) {
            throw unreachableAtUnlock(name, lease, e);
          }
          LockSupport.parkNanos(backoffNanos); // a bounded pause between retries, not a wait for a state
          backoffNanos *= 2;
          interrupted |= Thread.interrupted();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * Redis stayed unreachable for the whole command timeout (a failover, say). Past the lease's end the lease is
   * over whatever Redis says: that is a lost lease. Before it, the key expires by itself at the end.
   */
  private static RuntimeException unreachableAtUnlock(String name, Lease lease, RuntimeException cause) {
    if (System.nanoTime() - lease.endsAtNanos() > 0) {
      LeaseExpiredException expired = new LeaseExpiredException(name, toInstant(lease.endsAtNanos()), null, null);
      expired.initCause(cause);
      return expired;
    }
    return new RedisConnectionException("unlock of '" + name + "' could not reach Redis; its key expires by itself"
        + " by about " + toInstant(lease.endsAtNanos()), cause);
  }

  boolean isHeldByCurrentThread(String name) {
    return holdCount(name) > 0;
  }

  int holdCount(String name) {
    LocalLock local = table.peek(name);
    return local == null ? 0 : local.holdCount();
  }

  /** True without a round trip when a thread of this RedisLocks holds it; else asks Redis (inspect.lua). */
  boolean isLocked(String name, String key) {
    checkOpen();
    LocalLock local = table.peek(name);
    if (local != null && (local.lease != null || local.offered != null)) {
      return true;
    }
    return query(name, store.inspect(key)) != null;
  }

  Duration remainingLease(String name, String key) {
    checkOpen();
    LockStore.Holding holding = query(name, store.inspect(key));
    if (holding == null) {
      return Duration.ZERO;
    }
    if (holding.remainingLeaseMillis() == -1) {
      return ChronoUnit.FOREVER.getDuration(); // a key without expiry, not set by this library
    }
    return Duration.ofMillis(Math.max(holding.remainingLeaseMillis(), 0));
  }

  boolean extend(String name, Duration additional) {
    checkOpen();
    Lease lease = heldLease(name, "extend");
    if (lease.isLost()) {
      return false; // never trusted again, whatever the key says now
    }
    long sentAt = System.nanoTime();
    long newLeaseMillis = query(name, store.extend(lease.key, lease.token, additional.toMillis()));
    if (newLeaseMillis < 0) {
      losses.report(lease, "extend found its key gone or taken");
      return false;
    }
    lease.confirmedUntil(store.leaseEndNanos(sentAt, newLeaseMillis));
    return true;
  }

  /** A condition of the lock {@code name}; {@code conditionName} as checked by {@link LockKeys#checkName}. */
  RedisCondition newCondition(String name, String key, String conditionName) {
    if (store instanceof RedlockLockStore) {
      throw RedlockLockStore.conditionsUnsupported();
    }
    return new RedisCondition(name, key, conditionName, this, store, waiters, leaseMillis, commandTimeoutNanos);
  }

  /**
   * The calling thread's fencing token for the lock: drawn by the hold's first call (one round trip), which checks
   * in the same step that the lease is still ours, so a hold that lost its lease before it asked gets none.
   */
  long fencingToken(String name) {
    Lease lease = heldLease(name, "fencingToken()");
    long token = lease.fencingToken();
    if (token != 0) {
      return token;
    }
    checkOpen();
    if (!lease.isLost()) {
      token = query(name, store.drawFencingToken(lease.key, lease.token, LockValue.metadata(processPart)));
      if (token > 0) {
        lease.fencingTokenDrawn(token);
        return token;
      }
      losses.report(lease, "fencingToken() found its key gone or taken");
    }
    throw new LeaseExpiredException(name, toInstant(lease.endsAtNanos()),
        "lease of lock '" + name + "' was found lost at about " + toInstant(lease.lostAtNanos())
            + " before this hold drew a fencing token; it gets none: unlock, and acquire again");
  }

  /** Whether the calling thread holds the lock with a lease not known to be lost or over; no round trip. */
  boolean isLeaseValid(String name) {
    LocalLock local = table.peek(name);
    if (local == null || local.holdCount() == 0) {
      return false;
    }
    Lease lease = local.lease;
    if (lease.isValid()) {
      return true;
    }
    // Past its end without a confirmed renewal: record the loss, so the answer stays false, the listener is told
    // and unlock() throws, even if a late renewal succeeds after all.
    losses.report(lease, "its end passed without a confirmed renewal");
    return false;
  }

  Optional<LockInfo> inspect(String name, String key) {
    checkOpen();
    LockStore.Holding holding = query(name, store.inspect(key));
    return holding == null
        ? Optional.empty()
        : Optional.of(LockValue.parse(name, holding.value(), holding.remainingLeaseMillis()));
  }

  boolean fencedSet(String key, String value, long fencingToken) {
    checkOpen();
    return query(key, store.fencedSet(key, value, fencingToken));
  }

  /** The calling thread's lease of the lock. */
  Lease heldLease(String name, String what) {
    return heldLocalLock(name, what).lease;
  }

  <T> T query(String name, CompletionStage<T> reply) {
    try {
      return Deadline.afterNanos(commandTimeoutNanos).awaitUninterruptibly(reply);
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException(
          "Redis did not answer about lock '" + name + "' within " + Duration.ofNanos(commandTimeoutNanos));
    }
  }

  /** Waits for an attempt's reply within the call's deadline and the command timeout, as the wait mode allows. */
  private <T> T await(CompletionStage<T> reply, Wait wait, Deadline deadline)
      throws InterruptedException, TimeoutException {
    Deadline bound = commandDeadline(deadline);
    return wait.interruptible() ? bound.await(reply) : bound.awaitUninterruptibly(reply);
  }

  private Deadline commandDeadline(Deadline callDeadline) {
    return callDeadline.capped(commandTimeoutNanos);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("RedisLocks is closed");
    }
  }

  static Instant toInstant(long nanoTime) {
    return Instant.now().minusNanos(System.nanoTime() - nanoTime).truncatedTo(ChronoUnit.MILLIS);
  }
}
