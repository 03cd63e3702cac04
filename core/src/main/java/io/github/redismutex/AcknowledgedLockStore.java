package io.github.redismutex;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link LockStore} whose holds are on replicas before the caller relies on them ({@code
 * RedisLocksBuilder.replicaAcknowledgements}): an acquisition, a direct hand-over, a renewal, an extension and a
 * fencing token count only once {@code WAIT replicas timeout} says that many replicas have them.
 *
 * <p>Why a WAIT proves it: WAIT counts the replicas that have every write this connection made so far, and a
 * primary replicates in the order it executes. An uncontended acquisition writes SET NX and WAIT together on the
 * connection to the key's primary. Every other confirmation is renew.lua (which always writes for a key the
 * caller owns) followed by WAIT on the same connection to the key's primary, both pipelined, one round trip: once
 * the replicas have that renewal they have everything the primary did to the key before it, whichever connection
 * did it (the acquisition, a releaser's hand-over, a fence draw). A renewal that finds the key not ours proves
 * nothing and counts as lost. A confirmation that falls short fails with {@link NotAcknowledgedException}, a
 * transient failure: the acquisition retries as through an outage (its key, still ours, is taken again and
 * confirmed again; given up, it is released as any abandoned attempt); the watchdog does not extend the leases of a
 * renewal that fell short and retries the next period. Releases are not confirmed: a release lost in a failover
 * leaves the key to its lease, which delays the next holder but never lets two in. Thread-safe, stateless.
 */
final class AcknowledgedLockStore implements LockStore {
  private final LockStore store;
  private final Function<String, CompletionStage<RedisClusterAsyncCommands<String, String>>> primaryOf;
  private final BooleanSupplier connected;
  private final boolean cluster;
  private final boolean setGet; // the first attempt may be SET NX GET (ServerFeatures)
  private final long leaseMillis;
  private final int replicas;
  private final long timeoutMillis;

  /**
   * @param connections where {@link RedisConnections#primaryOf} gives each key's primary, and whether keys of
   *     different hash slots must be renewed by separate script calls (a cluster)
   * @param leaseMillis the owning RedisLocks' lease: the least a confirmation leaves of a lease
   */
  AcknowledgedLockStore(LockStore store, RedisConnections connections, long leaseMillis, int replicas,
      long timeoutMillis) {
    this.store = store;
    this.primaryOf = connections::primaryOf;
    this.connected = connections::isConnected;
    this.cluster = connections.cluster;
    this.setGet = connections.features.setGet();
    this.leaseMillis = leaseMillis;
    this.replicas = replicas;
    this.timeoutMillis = timeoutMillis;
  }

  /** Too few replicas confirmed a write in time: transient, as an outage is ({@link RedisFailures}). */
  static final class NotAcknowledgedException extends RedisException {
    private static final long serialVersionUID = 1L;

    NotAcknowledgedException(String message) {
      super(message);
    }
  }

  @Override
  public CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    if (ticket == null && setGet) {
      return firstAttempt(key, token, leaseMillis, metadata);
    }
    return then(store.acquire(key, token, leaseMillis, metadata, ticket), attempt ->
        attempt.outcome() == Attempt.Outcome.ACQUIRED
            ? confirm(key, token).thenApply(owned -> {
              if (!owned) { // ours a moment ago, gone by its confirmation (an expiry, a failover): ask again
                throw new NotAcknowledgedException("lock key '" + key + "' was no longer held by the attempt"
                    + " when its acquisition was to be confirmed by replicas");
              }
              return attempt;
            })
            : CompletableFuture.completedFuture(attempt));
  }

  /**
   * The uncontended acquisition in one round trip: {@code SET NX PX GET} and WAIT written together on the key's
   * primary, so the WAIT counts the replicas that have the SET. A value already there, or an error reply that a retry
   * does not cure (a key of another type, say), is answered as held for now: the caller's next attempt, acquire.lua,
   * confirmed on its own, sorts out a give-way marker, our own token or the error.
   */
  private CompletionStage<Attempt> firstAttempt(String key, String token, long leaseMillis, String metadata) {
    if (!connected.getAsBoolean()) {
      return LettuceLockStore.notConnected();
    }
    return primaryOf.apply(key).thenCompose(primary -> {
      CompletionStage<Long> before = primary.clientId();
      CompletionStage<String> previous = primary.setGet(key, LettuceLockStore.freshValue(token, metadata),
          SetArgs.Builder.nx().px(leaseMillis));
      CompletionStage<Long> acknowledged = onOneConnection(before, primary);
      return previous.handle((value, failure) -> {
        if (failure != null && RedisFailures.isTransient(failure)) {
          throw RedisFailures.asUnchecked(failure);
        }
        if (failure != null || value != null) {
          return CompletableFuture.completedFuture(Attempt.held(0));
        }
        return acknowledged.thenApply(count -> {
          checkAcknowledged(count);
          return Attempt.acquired(0);
        });
      }).thenCompose(Function.identity());
    });
  }

  /**
   * WAIT's count, or -1 when CLIENT ID before the write and after the WAIT name different connections: Lettuce
   * sends a command again after a reconnect, and a WAIT on a new connection, which wrote nothing, counts replicas
   * for nothing. All three are written in one go after the write.
   */
  private CompletionStage<Long> onOneConnection(CompletionStage<Long> before,
      RedisClusterAsyncCommands<String, String> primary) {
    CompletionStage<Long> acknowledged = primary.waitForReplication(replicas, timeoutMillis);
    CompletionStage<Long> after = primary.clientId();
    return before.thenCombine(after, Long::equals).thenCombine(acknowledged, (same, count) -> same ? count : -1L);
  }

  private void checkAcknowledged(long count) {
    if (count < 0) {
      throw new NotAcknowledgedException("the connection to Redis was replaced between the lock's write and its"
          + " WAIT, so the replicas' count says nothing of the write (replicaAcknowledgements)");
    }
    if (count < replicas) {
      throw new NotAcknowledgedException(count + " of the " + replicas + " replicas asked for acknowledged the"
          + " lock's write within " + timeoutMillis + " ms (replicaAcknowledgements)");
    }
  }

  @Override
  public CompletionStage<Boolean> confirmHandOver(String key, String token) {
    return confirm(key, token);
  }

  @Override
  public CompletionStage<Release> release(String key, String token, String channel) {
    return store.release(key, token, channel);
  }

  @Override
  public CompletionStage<Release> abandon(String key, String token, String channel) {
    return store.abandon(key, token, channel);
  }

  @Override
  public CompletionStage<Long> drawFencingToken(String key, String token, String metadata) {
    // the counter must not go backwards in a failover: a token counts once replicas have the draw
    return then(store.drawFencingToken(key, token, metadata), fence -> fence <= 0
        ? CompletableFuture.completedFuture(fence)
        : confirm(key, token).thenApply(owned -> owned ? fence : 0L));
  }

  @Override
  public CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis) {
    // every batch and its WAIT written before any answer is read, as the plain renewal does
    CompletionStage<long[]> all = CompletableFuture.completedFuture(new long[leases.size()]);
    for (List<Integer> group : LettuceLockStore.batches(leases, cluster)) {
      List<String> keys = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      for (int i : group) {
        keys.add(leases.get(i).key);
        tokens.add(leases.get(i).token);
      }
      all = all.thenCombine(renewAcknowledged(keys, tokens, leaseMillis), (left, groupLeft) -> {
        for (int i = 0; i < group.size(); i++) {
          left[group.get(i)] = groupLeft.get(i);
        }
        return left;
      });
    }
    return all;
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    return then(store.extend(key, token, addMillis), left -> left < 0
        ? CompletableFuture.completedFuture(left)
        : confirm(key, token).thenApply(owned -> owned ? left : -1L));
  }

  @Override
  public CompletionStage<@Nullable Holding> inspect(String key) {
    return store.inspect(key);
  }

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return store.fencedSet(key, value, fencingToken);
  }

  /**
   * Whether {@code token} still owns {@code key} and the replicas have it (its lease renewed to at least the full
   * lease on the way); fails when they do not have it in time.
   */
  private CompletionStage<Boolean> confirm(String key, String token) {
    return renewAcknowledged(List.of(key), List.of(token), leaseMillis).thenApply(left -> left.get(0) >= 0);
  }

  /**
   * {@code next} after {@code first}; cancelling the result cancels {@code first}, so that a caller who gave up
   * stops what the store would still send for it ({@link OrderedReply}), as with the store's own replies.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the cancellation hook's own stage is nobody's to wait for
  private static <T, U> CompletionStage<U> then(CompletionStage<T> first, Function<T, CompletionStage<U>> next) {
    CompletableFuture<T> before = first.toCompletableFuture();
    CompletableFuture<U> result = before.thenCompose(next);
    result.whenComplete((value, failure) -> {
      if (result.isCancelled()) {
        before.cancel(false);
      }
    });
    return result;
  }

  /**
   * renew.lua over keys of one hash slot, then WAIT, pipelined on the connection to their primary; renew.lua's
   * answer, or a failure when fewer replicas than asked acknowledged within the timeout.
   */
  private CompletionStage<List<Long>> renewAcknowledged(List<String> keys, List<String> tokens, long leaseMillis) {
    if (!connected.getAsBoolean()) {
      return LettuceLockStore.notConnected();
    }
    List<String> args = new ArrayList<>(tokens);
    args.add(Long.toString(leaseMillis));
    return primaryOf.apply(keys.get(0)).thenCompose(primary -> {
      // all written before any answer is read: one round trip; WAIT runs after the renewal on the primary
      CompletionStage<Long> before = primary.clientId();
      CompletionStage<List<Long>> renewed = primary.<List<Long>>eval(LuaScript.RENEW.source,
          ScriptOutputType.MULTI, keys.toArray(String[]::new), args.toArray(String[]::new));
      CompletionStage<Long> acknowledged = onOneConnection(before, primary);
      return renewed.thenCombine(acknowledged, (left, count) -> {
        if (left.stream().anyMatch(l -> l >= 0)) {
          checkAcknowledged(count);
        }
        return left;
      });
    });
  }
}
