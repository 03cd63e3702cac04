package io.github.redismutex;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of all locks held through one {@link RedisLocks} alive: on its one named background thread,
 * every third of the lease, it renews every held lease in one pipelined batch (renew.lua, {@value
 * LettuceLockStore#RENEW_BATCH} keys a call), so a holder keeps its lock for as long as it runs and a dead process's
 * locks expire within a lease.
 *
 * <p>Ordering that keeps renewal from outliving unlock: a lease is {@link #register registered} before
 * {@code lock()} returns and {@link #deregister deregistered} before the release script is sent, both on the
 * owner's thread. A renewal already in flight when the release runs finds the key gone or another token and changes
 * nothing (renew.lua only touches keys that still hold the lease's token).
 *
 * <p>Each renewal also reports how much of the lease Redis still had. Less than this JVM counted on, beyond the
 * clock allowance ({@link ClockDrift}) and a tolerance for round-trip jitter, means Redis would have ended the
 * lease early (its clock stepped forward, or something cut the key's TTL): it is logged and counted, and the
 * renewal puts the lease right. Had the key expired meanwhile, the renewal finds it gone: a lost lease. Thread-safe.
 */
final class LeaseWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaseWatchdog.class);

  private final LockStore store;
  private final LeaseLossReporter losses;
  private final long leaseMillis;
  private final long periodNanos;
  private final long toleranceNanos; // how much shorter than reckoned a lease may be found before it is reported
  private final Set<Lease> held = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler;
  private final ScheduledFuture<?> renewals;
  private final LongAdder foundShortened = new LongAdder();
  private final RateLimitedLog shortened = new RateLimitedLog(log);
  private final RateLimitedLog failures = new RateLimitedLog(log);
  private final LockMetrics metrics;

  /** @param scheduler the owning RedisLocks' background thread, which it stops */
  LeaseWatchdog(LockStore store, LeaseLossReporter losses, LockMetrics metrics, long leaseMillis,
      ScheduledExecutorService scheduler) {
    this.store = store;
    this.losses = losses;
    this.metrics = metrics;
    this.leaseMillis = leaseMillis;
    this.periodNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis) / 3;
    this.toleranceNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis / 10 + ClockDrift.allowanceMillis(leaseMillis));
    this.scheduler = scheduler;
    // Fixed rate, and each renewal waits at most half a period: one stalled renewal never pushes the next one
    // towards the end of the lease.
    this.renewals = scheduler.scheduleAtFixedRate(this::renewAll, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
  }

  void register(Lease lease) {
    held.add(lease);
  }

  void deregister(Lease lease) {
    held.remove(lease);
  }

  /**
   * Renews every held lease now instead of at the next period, on the watchdog's thread: after a reconnect, when a
   * restarted server may have forgotten them, so that holders learn of it at once rather than up to a period later.
   */
  void renewAllSoon() {
    try {
      scheduler.execute(this::renewAll);
    } catch (RejectedExecutionException e) {
      // closed: nothing to renew any more
    }
  }

  /**
   * Renews one registered lease now, in the background, besides its regular renewals: for a lease that began
   * short (a direct hand-over). A failure is left to the next regular renewal.
   */
  void renewNow(Lease lease) {
    long sentAt = System.nanoTime();
    try {
      store.renew(List.of(lease), leaseMillis)
          .thenAcceptAsync(left -> apply(List.of(lease), left, sentAt), scheduler);
    } catch (RuntimeException e) { // refused at once (closed, disconnected): the regular renewal will tell
      log.debug("early renewal of '{}' not sent", lease.name, e);
    }
  }

  int heldCount() {
    return held.size();
  }

  /** How many renewals found a lease that Redis would have ended sooner than this JVM counted on. */
  long foundShortened() {
    return foundShortened.sum();
  }

  private void renewAll() {
    try {
      renewHeldLeases();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      // A scheduled task that throws is never run again: keep renewing, the next period may succeed.
      log.error("lease renewal failed; retrying next period", e);
    }
  }

  private void renewHeldLeases() {
    List<Lease> leases = new ArrayList<>(held);
    if (leases.isEmpty()) {
      return;
    }
    long sentAt = System.nanoTime();
    CompletionStage<long[]> reply = store.renew(leases, leaseMillis);
    try {
      apply(leases, Deadline.afterNanos(periodNanos / 2).await(reply), sentAt);
      return;
    } catch (TimeoutException e) {
      // A late answer is still what Redis did: apply it when it comes, on this thread.
      reply.thenAcceptAsync(left -> apply(leases, left, sentAt), scheduler);
      metrics.redisError("renew");
      failures.warn("renewal of {} leases got no answer within {} ms; retrying next period", leases.size(),
          TimeUnit.NANOSECONDS.toMillis(periodNanos / 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close() is stopping this thread
      return;
    } catch (RuntimeException e) {
      metrics.redisError("renew");
      failures.warn("renewal of {} leases failed ({}); retrying next period", leases.size(), e.toString());
    }
    // Not confirmed: a lease whose earliest possible end has passed can no longer be trusted, whatever the key
    // says later. It stays registered: if the key is still ours, renewal goes on keeping it for the holder.
    for (Lease lease : leases) {
      if (!lease.isValid() && held.contains(lease)) {
        losses.report(lease, "it could not be renewed before it ended");
      }
    }
  }

  private void apply(List<Lease> leases, long[] leftMillis, long sentAt) {
    long endsAt = ClockDrift.leaseEndNanos(sentAt, leaseMillis);
    int renewed = 0;
    for (int i = 0; i < leftMillis.length; i++) {
      Lease lease = leases.get(i);
      if (leftMillis[i] >= 0) {
        renewed++;
        checkNotShortened(lease, sentAt, leftMillis[i]);
        lease.confirmedUntil(endsAt);
      } else if (held.remove(lease)) { // a lease deregistered meanwhile was released, not lost
        losses.report(lease, "its key expired or has another owner");
      }
    }
    metrics.leasesRenewed(renewed);
  }

  /**
   * Redis had {@code leftMillis} of the lease when the renewal sent at {@code sentAt} ran, so it would have ended
   * the lease no earlier than {@code sentAt + leftMillis}; this JVM counted on it until {@link Lease#endsAtNanos}.
   */
  private void checkNotShortened(Lease lease, long sentAt, long leftMillis) {
    long shortfall = lease.endsAtNanos() - (sentAt + TimeUnit.MILLISECONDS.toNanos(leftMillis));
    if (shortfall <= toleranceNanos) {
      return;
    }
    foundShortened.increment();
    shortened.warn("the lease of lock '{}' had {} ms left in Redis, {} ms less than this JVM counted on: Redis's"
        + " clock stepped forward, or something changed the key's TTL; renewed now", lease.name, leftMillis,
        TimeUnit.NANOSECONDS.toMillis(shortfall));
  }

  /** Stops the renewals (the owner stops the thread). Idempotent. */
  @Override
  public void close() {
    renewals.cancel(false);
    held.clear();
  }
}
