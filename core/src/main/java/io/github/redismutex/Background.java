package io.github.redismutex;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one background thread of a {@link RedisLocks}, {@code <prefix>-watchdog}, and what runs on it: the lease
 * renewals ({@link LeaseWatchdog}) and the re-sending of clean-ups Redis has not confirmed ({@link
 * UnconfirmedReleases}), periodically and after every reconnect. A daemon, so that a forgotten {@code close()} does
 * not keep the JVM alive; {@link #close} stops it. Thread-safe.
 */
final class Background {
  final LeaseWatchdog watchdog;
  final UnconfirmedReleases releases;
  private final ScheduledExecutorService thread;

  Background(LockStore store, List<LockStore> cleanUpTargets, LeaseLossReporter losses, LockMetrics metrics,
      long leaseMillis, Duration commandTimeout, String threadName) {
    this.thread = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread named = new Thread(task, threadName);
      named.setDaemon(true);
      return named;
    });
    this.watchdog = new LeaseWatchdog(store, losses, metrics, leaseMillis, thread);
    this.releases = new UnconfirmedReleases(cleanUpTargets, leaseMillis, commandTimeout);
    long period = UnconfirmedReleases.RESEND_PERIOD_MILLIS;
    thread.scheduleWithFixedDelay(releases::resend, period, period, TimeUnit.MILLISECONDS);
  }

  /**
   * After a reconnect, which may follow a restart that lost the locks: renew every lease at once, so that holders
   * learn of a loss then, and send the clean-ups that could not be sent while disconnected.
   */
  void reconnected() {
    watchdog.renewAllSoon();
    try {
      thread.execute(releases::resend);
    } catch (RejectedExecutionException e) {
      // closed: nothing to send any more
    }
  }

  /** Stops the renewals and the thread, waiting at most {@code timeout} for a task under way. */
  void close(Duration timeout) {
    watchdog.close();
    thread.shutdownNow();
    try {
      thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
