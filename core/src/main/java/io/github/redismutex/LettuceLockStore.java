package io.github.redismutex;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link LockStore} (and {@link ConditionStore}) over one shared Lettuce connection to one server or a cluster:
 * the only class that sends lock commands.
 *
 * <p>Scripts run by EVALSHA; on {@link RedisNoScriptException} (a restarted or flushed server) the same call falls
 * back to EVAL, which also loads the script again. An acquisition's first attempt is a plain {@code SET NX PX GET}
 * where the server has it (Redis 7.0 or later, learnt at connect: {@link ServerFeatures}), else acquire.lua; an
 * error reply to it (a key of another type, say) is left to acquire.lua to sort out, which tells by type, not by
 * message text. Thread-safe: Lettuce connections are, and this class keeps no mutable state.
 */
final class LettuceLockStore implements LockStore, ConditionStore, ReadWriteStore {
  private static final Logger log = LoggerFactory.getLogger(LettuceLockStore.class);

  /** Keys per renew.lua call: bounds one script's run time while N locks renew in about N/100 round trips. */
  static final int RENEW_BATCH = 100;

  /**
   * How long a release that woke waiters without handing the lock to one keeps its own RedisLocks from taking it
   * back: ample for a woken waiter to acquire (a message and a round trip), short enough to cost little when the
   * mark was stale.
   */
  static final long GIVE_WAY_MILLIS = 20;

  /**
   * The longest lease a direct hand-over starts with (release.lua): the waiter it goes to renews it at once, so it
   * only lasts when that waiter died; then it is what the next waiter loses.
   */
  static final long MAX_GRANT_LEASE_MILLIS = 2_000;

  /** What a give-way marker's value starts with; the id of the RedisLocks that gave way follows. */
  private static final String GIVE_WAY_PREFIX = "yield ";

  /** Whether waiters queue their tickets for direct hand-overs, or only mark the lock as awaited. */
  enum Waiting {
    QUEUE("queue"), // one server or a cluster: release.lua hands the lock to the oldest fresh ticket
    MARK("mark"); // a Redlock server: each would hand the lock to a different waiter, so none does

    final String argument; // ARGV[4] of acquire.lua

    Waiting(String argument) {
      this.argument = argument;
    }
  }

  private final RedisClusterAsyncCommands<String, String> commands;
  private final BooleanSupplier connected;
  private final boolean cluster; // renewal batches must then stay within one hash slot
  private final ServerFeatures features;
  private final String instanceId;
  private final Waiting waiting;
  private final long grantLeaseMillis;

  /**
   * @param instanceId the id of the owning RedisLocks, under which its releases give way (release.lua)
   * @param leaseMillis the owning RedisLocks' lease, which bounds the lease a direct hand-over starts with
   */
  LettuceLockStore(RedisClusterAsyncCommands<String, String> commands, BooleanSupplier connected, boolean cluster,
      ServerFeatures features, String instanceId, Waiting waiting, long leaseMillis) {
    this.commands = commands;
    this.connected = connected;
    this.cluster = cluster;
    this.features = features;
    this.instanceId = instanceId;
    this.waiting = waiting;
    this.grantLeaseMillis = Math.min(leaseMillis, MAX_GRANT_LEASE_MILLIS);
  }

  /** SCRIPT LOAD of every script, so the first EVALSHA of each does not have to fall back to EVAL. */
  CompletionStage<Void> preloadScripts() {
    CompletableFuture<?>[] loads =
        LuaScript.ALL.stream()
            .map(script -> commands.scriptLoad(script.source).toCompletableFuture())
            .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(loads);
  }

  @Override
  public CompletionStage<Attempt> acquire(
      String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    if (!connected.getAsBoolean()) {
      return notConnected();
    }
    if (ticket == null && features.setGet()) {
      return firstAttempt(key, token, leaseMillis, metadata);
    }
    return acquireByScript(key, token, leaseMillis, metadata, ticket);
  }

  /**
   * One command, the whole cost of an uncontended acquisition. A value already there means "not acquired",
   * including our own token (a retry after a lost answer: the caller's next, waiting attempt sorts that out),
   * except another RedisLocks' give-way marker, which acquire.lua then takes over; an error reply (a key of another
   * type, say) is left to acquire.lua to explain. That second command is never sent once the caller gave up
   * ({@link OrderedReply}).
   */
  private CompletionStage<Attempt> firstAttempt(String key, String token, long leaseMillis, String metadata) {
    OrderedReply<Attempt> reply = new OrderedReply<>();
    commands.setGet(key, freshValue(token, metadata), SetArgs.Builder.nx().px(leaseMillis))
        .whenComplete((previous, failure) -> {
          if (failure == null && previous == null) {
            reply.complete(Attempt.acquired(0));
          } else if (failure == null && !(previous.startsWith(GIVE_WAY_PREFIX)
              && !previous.equals(GIVE_WAY_PREFIX + instanceId))) {
            reply.complete(Attempt.held(0));
          } else if (failure == null || RedisFailures.unwrap(failure) instanceof RedisCommandExecutionException) {
            reply.followUp(() -> acquireByScript(key, token, leaseMillis, metadata, null));
          } else {
            reply.completeExceptionally(failure);
          }
        });
    return reply;
  }

  /** A new hold's value for the key: no fencing token drawn yet ({@link LockValue} has the format). */
  static String freshValue(String token, String metadata) {
    return token + " 0 " + metadata;
  }

  private CompletionStage<Attempt> acquireByScript(
      String key, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    String[] keys = {key, LockKeys.waitersKey(key), LockKeys.queueKey(key), LockKeys.ticketsKey(key)};
    return acquireByScript(keys, token, leaseMillis, metadata, ticket);
  }

  private CompletionStage<Attempt> acquireByScript(
      String[] keys, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    return this.<List<Object>>run(LuaScript.ACQUIRE, ScriptOutputType.MULTI, keys, token,
            Long.toString(leaseMillis), metadata, ticket == null ? "" : waiting.argument, instanceId,
            ticket == null ? "" : ticket.nonce(), ticket == null ? "-1" : Long.toString(ticket.waitBudgetMillis()))
        .thenApply(reply -> attemptOutcome(keys, reply));
  }

  /** An acquisition script's reply ({@code {status, number, server µs}}, see acquire.lua) as an attempt. */
  private static Attempt attemptOutcome(String[] keys, List<Object> reply) {
    long status = (Long) reply.get(0);
    String number = String.valueOf(reply.get(1)); // a token comes as a string
    if (status == 1) {
      return Attempt.acquired(Long.parseLong(number));
    }
    if (status == 0) {
      String serverMicros = String.valueOf(reply.get(2));
      return Attempt.held(Long.parseLong(number), serverMicros.isEmpty() ? -1 : Long.parseLong(serverMicros));
    }
    return status == -1 ? Attempt.NOT_A_LOCK : Attempt.wrongType(keys[Integer.parseInt(number) - 1]);
  }

  @Override
  public CompletionStage<Attempt> acquireWrite(
      String writeKey, String token, long leaseMillis, String metadata, @Nullable Ticket ticket) {
    String[] keys = {writeKey, LockKeys.waitersKey(writeKey), LockKeys.queueKey(writeKey),
        LockKeys.ticketsKey(writeKey), LockKeys.readersKey(writeKey)};
    return acquireByScript(keys, token, leaseMillis, metadata, ticket);
  }

  @Override
  public CompletionStage<Release> releaseWrite(String writeKey, String token, boolean leaving) {
    String[] keys = Arrays.copyOf(releaseKeys(writeKey), 6);
    keys[5] = LockKeys.readersKey(writeKey);
    return this.<List<Object>>run(LuaScript.RELEASE, ScriptOutputType.MULTI, keys,
            releaseArgs(token, LockKeys.releaseChannel(writeKey), leaving))
        .thenApply(reply -> releaseOutcome(keys, reply));
  }

  @Override
  public CompletionStage<Attempt> acquireRead(String writeKey, String token, long leaseMillis, String metadata,
      boolean mark, String writerToken) {
    String[] keys = {writeKey, LockKeys.waitersKey(writeKey), LockKeys.queueKey(writeKey),
        LockKeys.ticketsKey(writeKey), LockKeys.readersKey(writeKey), LockKeys.readerKey(writeKey, token)};
    return this.<List<Object>>run(LuaScript.ACQUIRE_READ, ScriptOutputType.MULTI, keys, token,
            Long.toString(leaseMillis), metadata, mark ? "mark" : "", writerToken)
        .thenApply(reply -> attemptOutcome(keys, reply));
  }

  @Override
  public CompletionStage<Release> releaseRead(String writeKey, String token) {
    String[] keys = {LockKeys.readerKey(writeKey, token), LockKeys.readersKey(writeKey),
        LockKeys.waitersKey(writeKey)};
    return runForLong(LuaScript.RELEASE_READ, keys, token, LockKeys.releaseChannel(writeKey), writeKey)
        .thenApply(code -> code == 1 ? Release.RELEASED : code == 0 ? Release.EXPIRED : Release.TAKEN);
  }

  @Override
  public CompletionStage<Long> readHolds(String writeKey) {
    return runForLong(LuaScript.READ_COUNT, new String[] {LockKeys.readersKey(writeKey)}, writeKey);
  }

  @Override
  public CompletionStage<Release> release(String key, String token, String channel) {
    return release(key, token, channel, false);
  }

  @Override
  public CompletionStage<Release> abandon(String key, String token, String channel) {
    return release(key, token, channel, true);
  }

  private CompletionStage<Release> release(String key, String token, String channel, boolean leaving) {
    String[] keys = releaseKeys(key);
    return this.<List<Object>>run(LuaScript.RELEASE, ScriptOutputType.MULTI, keys,
            releaseArgs(token, channel, leaving))
        .thenApply(reply -> releaseOutcome(keys, reply));
  }

  private static String[] releaseKeys(String key) {
    return new String[] {key, LockKeys.waitersKey(key), LockKeys.queueKey(key), LockKeys.ticketsKey(key),
        LockKeys.fenceKey(key)};
  }

  private String[] releaseArgs(String token, String channel, boolean leaving) {
    return new String[] {token, channel, instanceId, Long.toString(GIVE_WAY_MILLIS), Long.toString(grantLeaseMillis),
        leaving ? "1" : "0"};
  }

  private static Release releaseOutcome(String[] keys, List<Object> reply) {
    long code = (Long) reply.get(0);
    if (code == 3) {
      log.warn("a release of '{}' could not hand the lock to a waiter: '{}' holds a value of the wrong type"
          + " (not written by redis-mutex); delete it", keys[0], keys[((Long) reply.get(1)).intValue() - 1]);
    }
    if (code >= 1) {
      return Release.RELEASED;
    }
    return code == 0 ? Release.EXPIRED : Release.TAKEN;
  }

  @Override
  public CompletionStage<Long> drawFencingToken(String key, String token, String metadata) {
    return drawFencingToken(key, token, metadata, 0);
  }

  /** fence.lua: with {@code raiseTo} 0, the next token; else raises the counter to {@code raiseTo} and hands it out. */
  CompletionStage<Long> drawFencingToken(String key, String token, String metadata, long raiseTo) {
    return this.<String>run(LuaScript.FENCE, ScriptOutputType.VALUE, new String[] {key, LockKeys.fenceKey(key)},
            token, metadata, Long.toString(raiseTo))
        .thenApply(Long::parseLong);
  }

  @Override
  public CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis) {
    // Every batch is written before any answer is read: pipelined, one round trip in all (per node on a cluster).
    CompletionStage<long[]> all = CompletableFuture.completedFuture(new long[leases.size()]);
    for (List<Integer> batch : batches(leases, cluster)) {
      String[] keys = new String[batch.size()];
      String[] args = new String[batch.size() + 1];
      for (int i = 0; i < batch.size(); i++) {
        keys[i] = leases.get(batch.get(i)).key;
        args[i] = leases.get(batch.get(i)).token;
      }
      args[batch.size()] = Long.toString(leaseMillis);
      CompletionStage<List<Object>> answers = run(LuaScript.RENEW, ScriptOutputType.MULTI, keys, args);
      all = all.thenCombine(answers, (left, list) -> {
        for (int i = 0; i < list.size(); i++) {
          left[batch.get(i)] = (Long) list.get(i);
        }
        return left;
      });
    }
    return all;
  }

  /**
   * Indexes of the leases that one renew.lua call renews together: at most {@link #RENEW_BATCH}, and on a cluster all
   * of one hash slot.
   */
  static List<List<Integer>> batches(List<Lease> leases, boolean cluster) {
    Map<Integer, List<Integer>> bySlot = new HashMap<>();
    for (int i = 0; i < leases.size(); i++) {
      int slot = cluster ? SlotHash.getSlot(leases.get(i).key) : 0;
      bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> batches = new ArrayList<>();
    for (List<Integer> group : bySlot.values()) {
      for (int start = 0; start < group.size(); start += RENEW_BATCH) {
        batches.add(group.subList(start, Math.min(start + RENEW_BATCH, group.size())));
      }
    }
    return batches;
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    return runForLong(LuaScript.EXTEND, new String[] {key}, token, Long.toString(addMillis));
  }

  @Override
  public CompletionStage<Holding> inspect(String key) {
    return this.<List<Object>>run(LuaScript.INSPECT, ScriptOutputType.MULTI, new String[] {key})
        .thenApply(reply -> reply.isEmpty() ? null : new Holding((String) reply.get(0), (Long) reply.get(1)));
  }

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return runForLong(LuaScript.FENCED_SET, new String[] {key, LockKeys.fenceKey(key)},
            Long.toString(fencingToken), value)
        .thenApply(written -> written == 1L);
  }

  @Override
  public CompletionStage<Boolean> conditionAwait(
      String key, String token, String queueKey, String waiterId, long heartbeatMillis) {
    String[] keys = {key, queueKey, LockKeys.waiterStateKey(key, waiterId)};
    return runForLong(LuaScript.CONDITION_AWAIT, keys, token, waiterId, Long.toString(heartbeatMillis))
        .thenApply(queued -> queued == 1L);
  }

  @Override
  public CompletionStage<Long> conditionSignal(String key, String token, String queueKey, boolean all) {
    return runForLong(LuaScript.CONDITION_SIGNAL, new String[] {key, queueKey}, token, all ? "1" : "0", key);
  }

  @Override
  public CompletionStage<Long> conditionLeave(String key, String queueKey, String waiterId, long heartbeatMillis) {
    String[] keys = {queueKey, LockKeys.waiterStateKey(key, waiterId)};
    return runForLong(LuaScript.CONDITION_LEAVE, keys, waiterId, Long.toString(heartbeatMillis));
  }

  private CompletionStage<Long> runForLong(LuaScript script, String[] keys, String... args) {
    return run(script, ScriptOutputType.INTEGER, keys, args);
  }

  /**
   * A command is not sent while the connection is down, whatever the client's disconnected behaviour (a borrowed
   * client may queue it): the caller then hears of the outage at once, as with a client that rejects commands, and
   * retries on its own deadline, rather than having the command sent, maybe much later, on reconnect.
   */
  static <T> CompletionStage<T> notConnected() {
    return CompletableFuture.failedStage(new RedisConnectionException("not connected to Redis"));
  }

  /**
   * EVALSHA, and on {@link RedisNoScriptException} (a restarted or flushed server) EVAL of the same script, which
   * also loads it again; the EVAL is never sent once the caller gave up ({@link OrderedReply}).
   */
  private <T> CompletionStage<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
    if (!connected.getAsBoolean()) {
      return notConnected();
    }
    OrderedReply<T> reply = new OrderedReply<>();
    commands.<T>evalsha(script.sha1, type, keys, args).whenComplete((value, failure) -> {
      if (failure == null) {
        reply.complete(value);
      } else if (RedisFailures.unwrap(failure) instanceof RedisNoScriptException) {
        reply.followUp(() -> commands.eval(script.source, type, keys, args));
      } else {
        reply.completeExceptionally(failure);
      }
    });
    return reply;
  }

  /**
   * release.lua as one EVAL, never EVALSHA: for a release whose place in the connection's order matters (Redlock's
   * release of a failed attempt, which must run before the acquisition's next attempt on that server), so no
   * NOSCRIPT answer can make it a second, later write.
   */
  CompletionStage<Release> releaseInOneCommand(String key, String token, String channel) {
    if (!connected.getAsBoolean()) {
      return notConnected();
    }
    String[] keys = releaseKeys(key);
    return commands.<List<Object>>eval(LuaScript.RELEASE.source, ScriptOutputType.MULTI, keys,
            releaseArgs(token, channel, false))
        .thenApply(reply -> releaseOutcome(keys, reply));
  }

}
