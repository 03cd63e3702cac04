package io.github.redismutex;

/**
 * One outer acquisition's lease: the key, the owner token and what this JVM knows of when the lease ends.
 * Created by the owning thread when it acquires; read and updated by the {@link LeaseWatchdog}; retired by the
 * owning thread on unlock. Thread-safe: its mutable fields are volatile and each has one writer at a time
 * (the owner before registration and after deregistration, the watchdog in between).
 */
final class Lease {
  final String key;
  final String token;

  /**
   * Send time of the latest command that Redis confirmed set this lease, plus the lease time: the earliest
   * moment the key can expire (Redis starts the lease when it runs the command, which is after it was sent).
   */
  private volatile long endsAtNanos;

  /** Set once, when the watchdog found the key gone or owned by another token. */
  private volatile boolean lost;

  Lease(String key, String token, long endsAtNanos) {
    this.key = key;
    this.token = token;
    this.endsAtNanos = endsAtNanos;
  }

  long endsAtNanos() {
    return endsAtNanos;
  }

  /** A confirmed renewal or extension; never moves the end earlier. */
  void confirmedUntil(long endsAtNanos) {
    if (endsAtNanos - this.endsAtNanos > 0) {
      this.endsAtNanos = endsAtNanos;
    }
  }

  void markLost() {
    lost = true;
  }

  boolean isLost() {
    return lost;
  }
}
