package io.github.redismutex;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;

/**
 * An outermost unlock's release in Redis, on the unlocking thread: release.lua within one command timeout, retried
 * with {@link Backoff} while Redis is unreachable (a reconnect after a restart, say), not interruptibly (an
 * interrupt is kept for the caller). A release that cannot be confirmed in that time is handed to {@link
 * UnconfirmedReleases}, which sends it again once Redis is back, so the lock is not left held by nobody for the
 * rest of its lease. Thread-safe.
 */
final class Releaser {
  private final LockStore store;
  private final UnconfirmedReleases releases;
  private final LockMetrics metrics;
  private final Duration commandTimeout;

  Releaser(LockStore store, UnconfirmedReleases releases, LockMetrics metrics, Duration commandTimeout) {
    this.store = store;
    this.releases = releases;
    this.metrics = metrics;
    this.commandTimeout = commandTimeout;
  }

  /**
   * What release.lua found.
   *
   * @throws RedisCommandTimeoutException if Redis did not answer within the command timeout
   * @throws RedisConnectionException if Redis stayed unreachable while the lease still ran
   * @throws LeaseExpiredException if Redis stayed unreachable past the lease's end
   */
  LockStore.Release release(String name, Lease lease) {
    Deadline deadline = Deadline.afterNanos(commandTimeout.toNanos());
    Backoff backoff = new Backoff();
    boolean interrupted = Thread.interrupted(); // restored below; parking must not return early because of it
    try {
      while (true) {
        try {
          return deadline.awaitUninterruptibly(store.release(lease.key, lease.token,
              LockKeys.releaseChannel(lease.key)));
        } catch (TimeoutException e) {
          metrics.redisError("release");
          releases.release(lease.key, lease.token); // in case the first one is lost with its connection
          throw noAnswer("unlock", name, lease, commandTimeout);
        } catch (RuntimeException e) {
          metrics.redisError("release");
          if (!RedisFailures.isTransient(e)) {
            throw e;
          }
          if (deadline.remainingNanos() < backoff.peekNanos()) {
            releases.release(lease.key, lease.token); // sent again once Redis is back
            throw unreachable(name, lease, e);
          }
          LockSupport.parkNanos(backoff.nextNanos()); // a bounded pause between retries, not a wait for a state
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
   * What a release found, as the caller learns it: nothing when it released a lease that was never found lost; else
   * the {@link LeaseExpiredException} to throw (a loss found at the release is reported to the listener first).
   *
   * @param what the call that released, for the log: "unlock", "release"
   * @param foundLostBefore whether the lease had been found lost before the release retired it
   */
  static @Nullable LeaseExpiredException outcome(LeaseLossReporter losses, String what, String name, Lease lease,
      boolean foundLostBefore, LockStore.Release result) {
    if (foundLostBefore) { // the critical section ran unprotected since then
      return new LeaseExpiredException(name, lease.endsAt(), lease.lostAt(), result);
    }
    if (result != LockStore.Release.RELEASED) {
      losses.reportAtUnlock(lease, what + " found its key " + (result == LockStore.Release.TAKEN ? "taken" : "gone"));
      return new LeaseExpiredException(name, lease.endsAt(), null, result);
    }
    return null;
  }

  /** A release that got no answer within the command timeout; it is kept and sent again meanwhile. */
  static RedisCommandTimeoutException noAnswer(String what, String name, Lease lease, Duration commandTimeout) {
    return new RedisCommandTimeoutException(what + " of '" + name + "' got no answer from Redis within "
        + commandTimeout + "; the release may still run, else the lease ends by itself by about " + lease.endsAt());
  }

  /**
   * Redis stayed unreachable for the whole command timeout (a failover, say). Past the lease's end the lease is
   * over whatever Redis says: that is a lost lease. Before it, the key expires by itself at the end.
   */
  static RuntimeException unreachable(String name, Lease lease, RuntimeException cause) {
    if (System.nanoTime() - lease.endsAtNanos() > 0) {
      LeaseExpiredException expired =
          new LeaseExpiredException(name, lease.endsAt(), null, null);
      expired.initCause(cause);
      return expired;
    }
    return new RedisConnectionException("unlock of '" + name + "' could not reach Redis; it is released as soon as"
        + " Redis is back, else its key expires by itself by about " + lease.endsAt(),
        cause);
  }
}
