package io.github.redismutex;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The {@link LockStore} over one shared Lettuce connection: the only class that sends lock commands.
 *
 * <p>Scripts run by EVALSHA; on {@link RedisNoScriptException} (a restarted or flushed server) the same call falls
 * back to EVAL, which also loads the script again. An acquisition's first attempt is a plain {@code SET NX PX GET}
 * (Redis 7.0 or later; on an older server, which refuses that form, acquire.lua instead, from the first refusal on).
 * Thread-safe: Lettuce connections are, and the only state of its own is that one-way switch.
 */
final class LettuceLockStore implements LockStore {
  /** Keys per renew.lua call: bounds one script's run time while N locks renew in about N/100 round trips. */
  static final int RENEW_BATCH = 100;

  private final RedisClusterAsyncCommands<String, String> commands;
  private final boolean cluster; // renewal batches must then stay within one hash slot
  /**
   * How long a release that woke waiters keeps its own RedisLocks from taking the lock back: ample for a woken
   * waiter to acquire (a message and a round trip), short enough to cost little when the mark was stale.
   */
  static final long GIVE_WAY_MILLIS = 20;

  /**
   * The longest lease a direct hand-over starts with (release.lua): the waiter it goes to renews it at once, so it
   * only lasts when that waiter died; then it is what the next waiter loses.
   */
  static final long MAX_GRANT_LEASE_MILLIS = 2_000;

  /** What a give-way marker's value starts with; the id of the RedisLocks that gave way follows. */
  private static final String GIVE_WAY_PREFIX = "yield ";

  private final String instanceId;
  private final boolean queueWaiters;
  private final long grantLeaseMillis;
  private volatile boolean setGetRefused; // the server predates SET ... NX GET (Redis < 7.0)

  /**
   * @param instanceId the id of the owning RedisLocks, under which its releases give way (release.lua)
   * @param queueWaiters whether waiters queue for direct hand-overs (release.lua): not on Redlock's servers
   * @param leaseMillis the owning RedisLocks' lease, which bounds the lease a direct hand-over starts with
   */
  LettuceLockStore(RedisClusterAsyncCommands<String, String> commands, boolean cluster, String instanceId,
      boolean queueWaiters, long leaseMillis) {
    this.commands = commands;
    this.cluster = cluster;
    this.instanceId = instanceId;
    this.queueWaiters = queueWaiters;
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
      String key, String token, long leaseMillis, String metadata, boolean markAwaited) {
    if (!markAwaited && !setGetRefused) {
      return firstAttempt(key, token, leaseMillis, metadata);
    }
    return acquireByScript(key, token, leaseMillis, metadata, markAwaited);
  }

  /**
   * One command, the whole cost of an uncontended acquisition. A value already there means "not acquired",
   * including our own token (a retry after a lost answer: the caller's next, marking attempt sorts that out),
   * except another RedisLocks' give-way marker, which acquire.lua then takes over.
   */
  private CompletionStage<Attempt> firstAttempt(String key, String token, long leaseMillis, String metadata) {
    return commands.setGet(key, token + " 0 " + metadata, SetArgs.Builder.nx().px(leaseMillis))
        .handle((previous, failure) -> {
          if (failure == null) {
            if (previous == null) {
              return CompletableFuture.completedStage(Attempt.acquired(0));
            }
            if (previous.startsWith(GIVE_WAY_PREFIX) && !previous.equals(GIVE_WAY_PREFIX + instanceId)) {
              return acquireByScript(key, token, leaseMillis, metadata, false);
            }
            return CompletableFuture.completedStage(Attempt.held(0));
          }
          Throwable cause = RedisFailures.unwrap(failure);
          if (cause instanceof RedisCommandExecutionException && cause.getMessage() != null) {
            if (cause.getMessage().startsWith("WRONGTYPE")) {
              return CompletableFuture.completedStage(Attempt.NOT_A_LOCK);
            }
            if (cause.getMessage().startsWith("ERR syntax")) {
              setGetRefused = true;
              return acquireByScript(key, token, leaseMillis, metadata, false);
            }
          }
          return CompletableFuture.<Attempt>failedStage(failure);
        })
        .thenCompose(attempt -> attempt);
  }

  private CompletionStage<Attempt> acquireByScript(
      String key, String token, long leaseMillis, String metadata, boolean markAwaited) {
    String[] keys = {key, LockKeys.waitersKey(key), LockKeys.queueKey(key), LockKeys.fenceKey(key)};
    return this.<List<Object>>run(LuaScript.ACQUIRE, ScriptOutputType.MULTI, keys, token,
            Long.toString(leaseMillis), metadata, markAwaited ? "1" : "0", instanceId, queueWaiters ? "1" : "0")
        .thenApply(
            reply -> {
              long status = (Long) reply.get(0);
              long number = Long.parseLong(String.valueOf(reply.get(1))); // a token comes as a string
              if (status == 1) {
                return Attempt.acquired(number);
              }
              return status == 0
                  ? Attempt.held(number, Long.parseLong(String.valueOf(reply.get(2))))
                  : Attempt.NOT_A_LOCK;
            });
  }

  @Override
  public CompletionStage<Release> release(String key, String token, String channel) {
    return abandon(key, token, channel, "");
  }

  @Override
  public CompletionStage<Release> abandon(String key, String token, String channel, String queueMember) {
    String[] keys = {key, LockKeys.waitersKey(key), LockKeys.queueKey(key), LockKeys.fenceKey(key)};
    return runForLong(LuaScript.RELEASE, keys, token, channel, instanceId, Long.toString(GIVE_WAY_MILLIS),
            Long.toString(grantLeaseMillis), queueMember)
        .thenApply(
            code -> {
              if (code >= 1) {
                return Release.RELEASED;
              }
              return code == 0 ? Release.EXPIRED : Release.TAKEN;
            });
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
  public CompletionStage<boolean[]> renew(List<Lease> leases, long leaseMillis) {
    // Every batch is written before any answer is read: pipelined, one round trip in all (per node on a cluster).
    CompletionStage<boolean[]> all = CompletableFuture.completedFuture(new boolean[leases.size()]);
    for (List<Integer> group : groups(leases)) {
      for (int start = 0; start < group.size(); start += RENEW_BATCH) {
        List<Integer> batch = group.subList(start, Math.min(start + RENEW_BATCH, group.size()));
        String[] keys = new String[batch.size()];
        String[] args = new String[batch.size() + 1];
        for (int i = 0; i < batch.size(); i++) {
          keys[i] = leases.get(batch.get(i)).key;
          args[i] = leases.get(batch.get(i)).token;
        }
        args[batch.size()] = Long.toString(leaseMillis);
        CompletionStage<List<Object>> answers = run(LuaScript.RENEW, ScriptOutputType.MULTI, keys, args);
        all = all.thenCombine(answers, (owned, list) -> {
          for (int i = 0; i < list.size(); i++) {
            owned[batch.get(i)] = ((Long) list.get(i)) == 1L;
          }
          return owned;
        });
      }
    }
    return all;
  }

  /** Indexes of the leases that one script call may renew together: all of them, or one hash slot's on a cluster. */
  private Collection<List<Integer>> groups(List<Lease> leases) {
    Map<Integer, List<Integer>> bySlot = new HashMap<>();
    for (int i = 0; i < leases.size(); i++) {
      int slot = cluster ? SlotHash.getSlot(leases.get(i).key) : 0;
      bySlot.computeIfAbsent(slot, s -> new ArrayList<>()).add(i);
    }
    return bySlot.values();
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

  private <T> CompletionStage<T> run(LuaScript script, ScriptOutputType type, String[] keys, String... args) {
    CompletionStage<T> bySha = commands.evalsha(script.sha1, type, keys, args);
    return bySha.exceptionallyCompose(
        failure ->
            RedisFailures.unwrap(failure) instanceof RedisNoScriptException
                ? commands.<T>eval(script.source, type, keys, args)
                : CompletableFuture.failedStage(failure));
  }
}
