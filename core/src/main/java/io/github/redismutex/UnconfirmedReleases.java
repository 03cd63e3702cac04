package io.github.redismutex;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clean-ups that no thread waits for: an acquisition that gave up leaving the queue and letting go of whatever
 * a lost answer or a hand-over gave it ({@link LockStore#abandon}), a lease offered for a local hand-over that
 * nobody took, an unlock that could not reach Redis. Each is sent at once; one that fails because Redis cannot be
 * reached is kept and sent again when the connection comes back ({@link #resend}, on every reconnect and every
 * {@value #RESEND_PERIOD_MILLIS} ms), until Redis has run it or the lease it guards has surely ended. Without this,
 * a clean-up rejected during a disconnect would leave a lock held by nobody until its lease ran out, and a queue
 * entry that a release would hand the lock to.
 *
 * <p>Sending one again is always harmless: it names an owner token that no thread uses any more (tokens are never
 * reused), so it can only delete that token's own key and queue entry. Thread-safe.
 */
final class UnconfirmedReleases {
  private static final Logger log = LoggerFactory.getLogger(UnconfirmedReleases.class);

  /** How often the kept clean-ups are tried again besides on reconnects (an answer such as LOADING is no reconnect). */
  static final long RESEND_PERIOD_MILLIS = 250;

  /**
   * One clean-up on one server. {@code keepUntilNanos}: when the lease it guards has surely ended, so that it is no
   * longer worth sending: a lease past the moment its last command could have run, plus the command timeout.
   */
  private record CleanUp(LockStore server, String key, String token, boolean abandoned, long keepUntilNanos) {}

  private final List<LockStore> servers;
  private final long keepNanos;
  // shared with every view made by on(): one set of clean-ups per RedisLocks, resent and flushed together
  private final Set<CleanUp> kept;
  private final InFlight sending;
  private final AtomicBoolean closing; // set by flush(): nothing is kept for later any more

  /**
   * @param servers where a clean-up must run, each on its own ({@link Deployment#cleanUpTargets}): one store for one
   *     server or a cluster; each server's store for Redlock, so that a server that missed one gets it later even
   *     when a majority confirmed it
   */
  UnconfirmedReleases(List<LockStore> servers, long leaseMillis, Duration commandTimeout) {
    this(List.copyOf(servers), TimeUnit.MILLISECONDS.toNanos(leaseMillis) + commandTimeout.toNanos(),
        ConcurrentHashMap.newKeySet(), new InFlight(), new AtomicBoolean());
  }

  private UnconfirmedReleases(List<LockStore> servers, long keepNanos, Set<CleanUp> kept, InFlight sending,
      AtomicBoolean closing) {
    this.servers = servers;
    this.keepNanos = keepNanos;
    this.kept = kept;
    this.sending = sending;
    this.closing = closing;
  }

  /**
   * The same clean-ups, sent through {@code store} instead: for the holds of read-write locks ({@link
   * ReadWriteHoldStore}), whose releases are scripts of their own. Resent and flushed with this one's.
   */
  UnconfirmedReleases on(LockStore store) {
    return new UnconfirmedReleases(List.of(store), keepNanos, kept, sending, closing);
  }

  /** An acquisition gives up: leave the queue, and let go of the key if the token got it after all. */
  void abandon(String key, String token) {
    long keepUntil = System.nanoTime() + keepNanos;
    servers.forEach(server -> send(new CleanUp(server, key, token, true, keepUntil)));
  }

  /** A lease nobody holds any more (an offer nobody took, an unlock that could not reach Redis): let it go. */
  void release(String key, String token) {
    long keepUntil = System.nanoTime() + keepNanos;
    servers.forEach(server -> send(new CleanUp(server, key, token, false, keepUntil)));
  }

  /** Sends every kept clean-up again; one that fails again stays kept. Called on reconnects and periodically. */
  void resend() {
    for (CleanUp cleanUp : kept) {
      if (kept.remove(cleanUp)) {
        send(cleanUp);
      }
    }
  }

  /**
   * For {@code close()}: sends every kept clean-up once more and waits, at most {@code bound}, for every clean-up
   * under way to be answered; from then on nothing is kept (the connections are about to close). Returns how many
   * were left unconfirmed: their keys expire by themselves within their lease.
   */
  int flush(Duration bound) {
    resend();
    sending.awaitIdle(bound);
    closing.set(true);
    int left = kept.size() + sending.count();
    kept.clear();
    return left;
  }

  int size() {
    return kept.size();
  }

  private void send(CleanUp cleanUp) {
    sending.enter();
    CompletionStage<LockStore.Release> reply;
    try {
      String channel = LockKeys.releaseChannel(cleanUp.key());
      reply = cleanUp.abandoned()
          ? cleanUp.server().abandon(cleanUp.key(), cleanUp.token(), channel)
          : cleanUp.server().release(cleanUp.key(), cleanUp.token(), channel);
    } catch (RuntimeException e) { // refused before it was sent (disconnected, closed)
      reply = CompletableFuture.failedFuture(e);
    }
    reply.whenComplete((result, failure) -> {
      try {
        if (failure != null) {
          failed(cleanUp, failure);
        }
      } finally {
        sending.exit();
      }
    });
  }

  private void failed(CleanUp cleanUp, Throwable failure) {
    if (!closing.get() && RedisFailures.isTransient(failure) && cleanUp.keepUntilNanos() - System.nanoTime() > 0) {
      kept.add(cleanUp);
      log.debug("clean-up of '{}' not confirmed; kept to send again", cleanUp.key(), failure);
    } else {
      log.debug("clean-up of '{}' given up; its lease ends by itself", cleanUp.key(), failure);
    }
  }
}
