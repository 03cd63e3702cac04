package io.github.redismutex;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one background thread of a {@link RedisLocks}, {@code <prefix>-watchdog}, and what runs on it: the lease
 * renewals ({@link LeaseWatchdog}) and the re-sending of clean-ups Redis has not confirmed ({@link
 * UnconfirmedReleases}), periodically and after every reconnect. A daemon, so that a forgotten {@code close()} does
 * not keep the JVM alive; {@link #close} stops it. Thread-safe.
 */
final class Background {
  final LeaseWatchdog watchdog;
  final UnconfirmedReleases releases;
  private static final Logger log = LoggerFactory.getLogger(Background.class);

  private final ScheduledExecutorService thread;
  private final ScheduledFuture<?> resends;

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
    this.resends = thread.scheduleWithFixedDelay(this::resend, period, period, TimeUnit.MILLISECONDS);
  }

  /** A periodic task that throws is never run again: a failed round of resends must not end the next ones. */
  private void resend() {
    try {
      releases.resend();
    } catch (RuntimeException e) {
      log.warn("resending unconfirmed releases failed; retrying in {} ms", UnconfirmedReleases.RESEND_PERIOD_MILLIS,
          e);
    }
  }

  /**
   * After a reconnect, which may follow a restart that lost the locks: renew every lease at once, so that holders
   * learn of a loss then, and send the clean-ups that could not be sent while disconnected.
   */
  void reconnected() {
    watchdog.renewAllSoon();
    try {
      thread.execute(this::resend);
    } catch (RejectedExecutionException e) {
      // closed: nothing to send any more
    }
  }

  /** Stops the renewals and the thread, waiting at most {@code timeout} for a task under way. */
  void close(Duration timeout) {
    watchdog.close();
    resends.cancel(false);
    thread.shutdownNow();
    try {
      thread.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
