package io.github.redismutex;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the leases of all locks held through one {@link RedisLocks} alive: one named thread, which every third of
 * the lease renews every held lease in one pipelined batch (renew.lua, {@value LettuceLockStore#RENEW_BATCH} keys a
 * call), so a holder keeps its lock for as long as it runs and a dead process's locks expire within a lease.
 *
 * <p>Ordering that keeps renewal from outliving unlock: a lease is {@link #register registered} before
 * {@code lock()} returns and {@link #deregister deregistered} before the release script is sent, both on the
 * owner's thread. A renewal already in flight when the release runs finds the key gone or another token and changes
 * nothing (renew.lua only touches keys that still hold the lease's token). Thread-safe.
 */
final class LeaseWatchdog implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LeaseWatchdog.class);

  private final LockStore store;
  private final LeaseLossReporter losses;
  private final long leaseMillis;
  private final long periodNanos;
  private final Set<Lease> held = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService scheduler;

  LeaseWatchdog(LockStore store, LeaseLossReporter losses, long leaseMillis, String threadName) {
    this.store = store;
    this.losses = losses;
    this.leaseMillis = leaseMillis;
    this.periodNanos = TimeUnit.MILLISECONDS.toNanos(leaseMillis) / 3;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, threadName);
              thread.setDaemon(true); // a forgotten close() must not keep the JVM alive; close() stops it anyway
              return thread;
            });
    // Fixed rate, and each renewal waits at most half a period: one stalled renewal never pushes the next one
    // towards the end of the lease.
    scheduler.scheduleAtFixedRate(this::renewAll, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
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
          .thenAcceptAsync(owned -> apply(List.of(lease), owned, sentAt), scheduler);
    } catch (RuntimeException e) { // refused at once (closed, disconnected): the regular renewal will tell
      log.debug("early renewal of '{}' not sent", lease.name, e);
    }
  }

  int heldCount() {
    return held.size();
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
    CompletionStage<boolean[]> reply = store.renew(leases, leaseMillis);
    try {
      apply(leases, Deadline.afterNanos(periodNanos / 2).await(reply), sentAt);
      return;
    } catch (TimeoutException e) {
      // A late answer is still what Redis did: apply it when it comes, on this thread.
      reply.thenAcceptAsync(owned -> apply(leases, owned, sentAt), scheduler);
      log.warn("renewal of {} leases got no answer within {} ms; retrying next period", leases.size(),
          TimeUnit.NANOSECONDS.toMillis(periodNanos / 2));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // close() is stopping this thread
      return;
    } catch (RuntimeException e) {
      log.warn("renewal of {} leases failed ({}); retrying next period", leases.size(), e.toString());
    }
    // Not confirmed: a lease whose earliest possible end has passed can no longer be trusted, whatever the key
    // says later. It stays registered: if the key is still ours, renewal goes on keeping it for the holder.
    for (Lease lease : leases) {
      if (!lease.isValid() && held.contains(lease)) {
        losses.report(lease, "it could not be renewed before it ended");
      }
    }
  }

  private void apply(List<Lease> leases, boolean[] owned, long sentAt) {
    long endsAt = store.leaseEndNanos(sentAt, leaseMillis);
    for (int i = 0; i < owned.length; i++) {
      Lease lease = leases.get(i);
      if (owned[i]) {
        lease.confirmedUntil(endsAt);
      } else if (held.remove(lease)) { // a lease deregistered meanwhile was released, not lost
        losses.report(lease, "its key expired or has another owner");
      }
    }
  }

  /** Stops the thread, waiting for a renewal in flight at most one period. Idempotent. */
  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(periodNanos, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    held.clear();
  }
}
