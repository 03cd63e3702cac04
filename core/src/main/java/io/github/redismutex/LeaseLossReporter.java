package io.github.redismutex;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records that a lease was lost and tells the {@link LeaseLostListener}, once per lease, whichever part noticed
 * first: the watchdog, {@code extend} or {@code unlock}. Thread-safe.
 */
final class LeaseLossReporter {
  private static final Logger log = LoggerFactory.getLogger(LeaseLossReporter.class);

  private final LeaseLostListener listener; // null: nobody listens

  LeaseLossReporter(LeaseLostListener listener) {
    this.listener = listener;
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
    log.warn("lease of lock '{}' (fencing token {}) was lost: {}", lease.name, lease.fencingToken(), how);
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
