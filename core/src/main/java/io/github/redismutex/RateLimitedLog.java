package io.github.redismutex;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * One cause of warnings, logged at WARN at most once a minute and at DEBUG otherwise, so that an outage or a storm
 * of lost leases shows as one line a minute, not one per renewal or per lock. The next WARN says how many were
 * logged at DEBUG meanwhile. Thread-safe.
 */
final class RateLimitedLog {
  private static final long EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final Logger log;
  private final AtomicLong nextWarnAt = new AtomicLong(System.nanoTime()); // the first one is a WARN
  private final AtomicLong quieted = new AtomicLong();

  RateLimitedLog(Logger log) {
    this.log = log;
  }

  /** As {@link Logger#warn(String, Object...)}, rate-limited; a trailing throwable argument is logged as such. */
  void warn(String format, Object... arguments) {
    long due = nextWarnAt.get();
    long now = System.nanoTime();
    if (now - due >= 0 && nextWarnAt.compareAndSet(due, now + EVERY_NANOS)) {
      long since = quieted.getAndSet(0);
      log.warn(since == 0 ? format : format + " (" + since + " more like it in the last minute, at DEBUG)", arguments);
    } else {
      quieted.incrementAndGet();
      log.debug(format, arguments);
    }
  }
}
