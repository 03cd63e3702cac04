package io.github.redismutex;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records that a lease was lost and tells the {@link LeaseLostListener}, once per lease, whichever part noticed
 * first: the watchdog, {@code extend} or {@code unlock}. Thread-safe.
 */
final class LeaseLossReporter {
  private static final Logger log = LoggerFactory.getLogger(LeaseLossReporter.class);

  private static final RateLimitedLog LOST = new RateLimitedLog(log);

  private final @Nullable LeaseLostListener listener; // null: nobody listens
  private final LockMetrics metrics;

  LeaseLossReporter(@Nullable LeaseLostListener listener, LockMetrics metrics) {
    this.listener = listener;
    this.metrics = metrics;
  }

  /** Marks the lease lost; on the first mark, logs it and calls the listener. */
  void report(Lease lease, String how) {
    if (lease.markLost()) {
      tell(lease, how);
    }
  }

  /**
   * Unlock found the key gone or taken after it had retired the lease (so the watchdog can no longer report it):
   * logs it and calls the listener.
   */
  void reportAtUnlock(Lease lease, String how) {
    tell(lease, how);
  }

  private void tell(Lease lease, String how) {
    metrics.leaseLost(lease.name);
    LOST.warn("lease of lock '{}' ({}) was lost: {}", lease.name,
        lease.fencingToken() == 0 ? "no fencing token drawn" : "fencing token " + lease.fencingToken(), how);
    if (listener != null) {
      try {
        listener.leaseLost(lease.name, lease.fencingToken());
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) {
        // Whatever the listener throws must not stop the watchdog thread that called it.
        log.warn("the lease-lost listener failed for lock '{}'", lease.name, e);
      }
    }
  }
}
