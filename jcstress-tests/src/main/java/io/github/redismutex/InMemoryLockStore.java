package io.github.redismutex;

import io.lettuce.core.RedisCommandExecutionException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link LockStore} that keeps its keys in this JVM, so that jcstress can drive {@link MutexSync} at memory speed
 * with the semantics of the scripts in {@code core/src/main/resources/io/github/redismutex/}. Each script and each
 * plain command runs as one atomic step on its key ({@link ConcurrentHashMap#compute}), as Redis runs it; replies
 * are futures that are already complete.
 *
 * <h2>What is modelled</h2>
 * <ul>
 *   <li>A key holds a string, with an expiry or without ({@link #putWithoutExpiry}), or a value of another type
 *       ({@link #putNotAString}), which the scripts treat as Redis makes them: acquire.lua answers "not a lock",
 *       inspect.lua reports an empty value, and the GET in release.lua, renew.lua and extend.lua fails with
 *       WRONGTYPE. A lock key's string is {@code "<owner token> <fencing token> <metadata>"} ({@link LockValue}),
 *       and every script that checks ownership checks it by the prefix {@code "<owner token> "}, as the scripts do.
 *   <li>Fencing counters ({@link LockKeys#fenceKey}): fence.lua's INCR of the lock's counter when the caller still
 *       owns the key (acquisitions write fencing token 0: none drawn yet), and fenced-set.lua's record of the highest token that wrote a resource key. A
 *       counter never expires and is never deleted, so tokens keep growing across releases and expiries of the
 *       lock key. The counters live in a map of their own, by fence key name, as they would in the one keyspace of
 *       Redis (a resource key equal to a lock key shares that lock's counter there too); each is only touched
 *       inside a step on the key it fences, so the two change together, as inside one script.
 *   <li>Expiry on the {@link System#nanoTime()} line, lazily: a key whose lease ran out is gone the next time a
 *       command touches it, which then announces {@code expired}, as Redis does on lazy expiry. Redis also expires
 *       keys in the background; nothing does that here, so an expiry nobody looks at is never announced. The tests
 *       use leases of a day and do not depend on either.
 *   <li>Announcements: release.lua's PUBLISH and, for a store made {@link #withKeyspaceNotifications}, the keyspace
 *       event after which a lock may be free without an announcement ({@code expired}). The events {@link
 *       LettuceSubscriber} drops before they reach the registry ({@code del}, {@code set}, {@code expire}) are not
 *       sent at all. release.lua publishes only when acquire.lua, asked to, marked the lock as awaited (its waiters
 *       key). Its give-way marker ("yield <id>") is not modelled: one store serves every simulated process here and
 *       cannot tell whose release it runs, so a release always deletes the key, as release.lua with ARGV[4] '0'.
 *       The first attempt's plain {@code SET NX GET} is modelled by the same step as acquire.lua (same outcome). A message goes to the {@link #connect connected} subscribers that were subscribed to its channel when
 *       the step ran, and is delivered on the calling thread once the step is over: Redis, too, queues it for the
 *       clients subscribed at that moment, which read it later. condition-signal.lua's PUBLISH on a woken waiter's
 *       channel ({@link LockKeys#waiterChannel}) goes out the same way.
 *   <li>Conditions (condition-await.lua, condition-signal.lua, condition-leave.lua): each condition's queue of
 *       waiter ids ({@link LockKeys#conditionQueueKey}), oldest first, and each waiter's state key ({@link
 *       LockKeys#waiterStateKey}: 'waiting' or 'signalled', expiring with the heartbeat, lazily as above). Both
 *       live in maps of their own, by key name, and change only inside one compute step on the queue key ({@link
 *       #onQueue}): a script's reads and writes of the queue and of its waiters' states happen in that one step,
 *       so they change together, as inside one script. condition-await.lua and condition-signal.lua check
 *       ownership first, so they run their queue step inside their step on the lock key (always the lock key
 *       first, then the queue key: no two steps wait for each other); condition-leave.lua, which does not read the
 *       lock key, runs on the queue key alone, the heartbeat included, so that it is atomic with a signal's GET and
 *       SET of the same state key. A state key is reached only through the queue its waiter joined: the model
 *       relies on a waiter id being queued on one condition only, as {@link RedisCondition} does with a fresh id
 *       for every await and one queue key for all of its commands. A queue that empties is deleted, as a Redis
 *       list is. The queue and state keys never hold another type here; WRONGTYPE on them is not modelled.
 *   <li>Read-write locks: {@link InMemoryReadWriteStore} ({@link #readWrite()}) runs their scripts, on the write
 *       and reader keys kept here (through {@link ScriptKeys}) and on the keys only those scripts touch, kept there.
 * </ul>
 * A renew batch is atomic per key, not over the whole batch as one renew.lua call is; no caller can tell, as the
 * keys are independent. Lease and extension times are positive, as {@link RedisLocks} checks; others are refused
 * with {@link IllegalArgumentException} rather than modelled. Thread-safe.
 */
final class InMemoryLockStore implements LockStore, ConditionStore {
  private static final int NO_KEYSPACE_NOTIFICATIONS = -1;
  private static final String WAITING = "waiting";
  private static final String SIGNALLED = "signalled";

  private final ConcurrentHashMap<String, Value> keys = new ConcurrentHashMap<>();
  /**
   * The waiters key of each lock key ({@link LockKeys#waitersKey}), as the nanoTime it expires at. Only changed
   * inside a step on its lock key, so the two change together, as they do inside one script.
   */
  private final ConcurrentHashMap<String, Long> awaitedUntil = new ConcurrentHashMap<>();
  /**
   * The fence keys ({@link LockKeys#fenceKey}) by name: of a lock key, the last fencing token acquire.lua handed
   * out; of a resource key, the highest token fenced-set.lua wrote it with. Without expiry, as in Redis. Only
   * touched inside a step on the key they fence.
   */
  private final ConcurrentHashMap<String, Long> fences = new ConcurrentHashMap<>();
  /**
   * The condition queues ({@link LockKeys#conditionQueueKey}) by name: waiter ids, oldest first; never empty (a
   * list that empties is deleted). Immutable lists, replaced only by a compute step on the queue key ({@link
   * #onQueue}).
   */
  private final ConcurrentHashMap<String, List<String>> queues = new ConcurrentHashMap<>();
  /**
   * The waiter state keys ({@link LockKeys#waiterStateKey}) by name: {@value #WAITING} or {@value #SIGNALLED},
   * with the heartbeat as their expiry. Only touched inside a step on the queue of the condition the waiter joined
   * ({@link #onQueue}), so a state and its queue change together.
   */
  private final ConcurrentHashMap<String, Value> waiterStates = new ConcurrentHashMap<>();
  private final List<InMemorySubscriber> subscribers = new CopyOnWriteArrayList<>();
  private final int keyspaceDatabase; // the database in keyspace channel names; NO_KEYSPACE_NOTIFICATIONS: none sent
  private final InMemoryReadWriteStore readWrite = new InMemoryReadWriteStore(this);

  /**
   * A key's value. Immutable: every change is a new value returned from a compute function.
   *
   * @param string the string stored, or null for a value of another type
   * @param expiresAtNanos meaningful only when {@code expires}
   */
  private record Value(String string, boolean expires, long expiresAtNanos) {
    /** {@code SET key string PX leaseMillis}. */
    static Value expiring(String string, long leaseMillis, long now) {
      return new Value(string, true, now + TimeUnit.MILLISECONDS.toNanos(leaseMillis));
    }

    /** {@code SET key string KEEPTTL}: a new string with the same expiry. */
    Value keepTtl(String newString) {
      return new Value(newString, expires, expiresAtNanos);
    }

    /** {@code PEXPIRE key leaseMillis}: the same string with a new expiry. */
    Value pexpire(long leaseMillis, long now) {
      return new Value(string, true, now + TimeUnit.MILLISECONDS.toNanos(leaseMillis));
    }

    boolean isString() {
      return string != null;
    }

    boolean hasExpiredAt(long now) {
      return expires && now - expiresAtNanos > 0; // Redis keeps a key until the expiry time has passed
    }

    /** PTTL of a key that exists: -1 without expiry, else the milliseconds left, rounded down. */
    long pttl(long now) {
      return expires ? TimeUnit.NANOSECONDS.toMillis(expiresAtNanos - now) : -1;
    }
  }

  /**
   * One command's run on one key: its time, its reply, and the messages it published, which are delivered only
   * once the step is over because a compute function must not call out.
   */
  private static final class Step<R> {
    final String key;
    long now;
    R reply;
    final List<Runnable> deliveries = new ArrayList<>(1);
    private final List<InMemorySubscriber> subscribers;
    private final int keyspaceDatabase;

    Step(String key, List<InMemorySubscriber> subscribers, int keyspaceDatabase) {
      this.key = key;
      this.subscribers = subscribers;
      this.keyspaceDatabase = keyspaceDatabase;
    }

    void publish(String channel, String message) {
      for (InMemorySubscriber subscriber : subscribers) {
        if (subscriber.isSubscribed(channel)) {
          deliveries.add(() -> subscriber.deliver(channel, message));
        }
      }
    }

    void keyspaceEvent(String event) {
      keyspaceEvent(key, event);
    }

    /** A keyspace event of another key the script touched (a waiter's state key). */
    void keyspaceEvent(String ofKey, String event) {
      if (keyspaceDatabase != NO_KEYSPACE_NOTIFICATIONS) {
        publish(LockKeys.keyspaceChannel(keyspaceDatabase, ofKey), event);
      }
    }
  }

  /** The body of a script or command: the key's new value (null: deleted) from its live one (null: absent). */
  @FunctionalInterface
  private interface Script<R> {
    Value run(Value live, Step<R> step);
  }

  /**
   * The part of a condition script on its queue and its waiters' states: changes the queue (a mutable copy of the
   * live list, empty when the key is absent) and the states in {@link #waiterStates}, and sets the reply.
   */
  @FunctionalInterface
  private interface QueueScript<R> {
    void run(List<String> queue, Step<R> step);
  }

  private InMemoryLockStore(int keyspaceDatabase) {
    this.keyspaceDatabase = keyspaceDatabase;
  }

  /** A server whose keyspace notifications are off: only release.lua's own PUBLISH announces a release. */
  static InMemoryLockStore withoutKeyspaceNotifications() {
    return new InMemoryLockStore(NO_KEYSPACE_NOTIFICATIONS);
  }

  /** A server that sends the keyspace events a waiter needs, named for the given logical database. */
  static InMemoryLockStore withKeyspaceNotifications(int database) {
    if (database < 0) {
      throw new IllegalArgumentException("database must not be negative, was " + database);
    }
    return new InMemoryLockStore(database);
  }

  /** The read-write lock commands over this store's keys, shared by every simulated process on it. */
  InMemoryReadWriteStore readWrite() {
    return readWrite;
  }

  /** Makes the subscriber's channels receive this store's announcements, as its pub/sub connection would. */
  void connect(InMemorySubscriber subscriber) {
    subscribers.add(subscriber);
  }

  /** Stores a string without expiry at the key, as {@code SET key value} by a client that is not redis-mutex. */
  void putWithoutExpiry(String key, String value) {
    keys.put(key, new Value(value, false, 0));
  }

  /** Stores a value of another type than string at the key (as a hash written by something else would be). */
  void putNotAString(String key) {
    keys.put(key, new Value(null, false, 0));
  }

  @Override
  public CompletionStage<Attempt> acquire(String key, String token, long leaseMillis, String metadata, Ticket ticket) {
    checkPositive("leaseMillis", leaseMillis);
    boolean markAwaited = ticket != null; // a waiting attempt marks the lock; queueing is not modelled
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Attempt> step) -> {
                  if (live == null) {
                    step.reply = Attempt.acquired(0);
                    return Value.expiring(token + " 0 " + metadata, leaseMillis, step.now);
                  }
                  if (!live.isString()) {
                    step.reply = Attempt.NOT_A_LOCK;
                    return live;
                  }
                  if (owns(live.string, token)) { // an earlier attempt with this token got through
                    step.reply = Attempt.acquired(fencingTokenOf(live.string)); // no new token: same acquisition
                    return live.pexpire(leaseMillis, step.now);
                  }
                  long remaining = live.pttl(step.now);
                  if (markAwaited) {
                    awaitedUntil.put(key,
                        step.now + TimeUnit.MILLISECONDS.toNanos(Math.max(remaining, 0) + leaseMillis));
                  }
                  step.reply = Attempt.held(remaining);
                  return live;
                }));
  }

  @Override
  public CompletionStage<Release> release(String key, String token, String channel) {
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Release> step) -> {
                  String value = get(live);
                  if (value == null) {
                    step.reply = Release.EXPIRED;
                    return null;
                  }
                  if (!owns(value, token)) {
                    step.reply = Release.TAKEN;
                    return live;
                  }
                  Long awaited = awaitedUntil.remove(key);
                  if (awaited != null && awaited - step.now > 0) {
                    step.publish(channel, "released");
                  }
                  step.reply = Release.RELEASED;
                  return null;
                }));
  }

  @Override
  public CompletionStage<Release> abandon(String key, String token, String channel) {
    return release(key, token, channel); // queues are not modelled: nothing to leave
  }

  @Override
  public CompletionStage<long[]> renew(List<Lease> leases, long leaseMillis) {
    checkPositive("leaseMillis", leaseMillis);
    return reply(
        () -> {
          long[] left = new long[leases.size()];
          for (int i = 0; i < left.length; i++) {
            Lease lease = leases.get(i);
            left[i] =
                run(
                    lease.key,
                    (Value live, Step<Long> step) -> {
                      if (!owns(get(live), lease.token)) {
                        step.reply = -1L;
                        return live;
                      }
                      long pttl = live.pttl(step.now);
                      step.reply = pttl >= 0 ? pttl : leaseMillis;
                      if (pttl < leaseMillis) { // never shortens an extended lease
                        return live.pexpire(leaseMillis, step.now);
                      }
                      return live;
                    });
          }
          return left;
        });
  }

  @Override
  public CompletionStage<Long> extend(String key, String token, long addMillis) {
    checkPositive("addMillis", addMillis);
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Long> step) -> {
                  if (!owns(get(live), token)) {
                    step.reply = -1L;
                    return live;
                  }
                  long extended = Math.max(live.pttl(step.now), 0) + addMillis; // no expiry counts as 0 left
                  step.reply = extended;
                  return live.pexpire(extended, step.now);
                }));
  }

  @Override
  public CompletionStage<Long> drawFencingToken(String key, String token, String metadata) {
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Long> step) -> {
                  if (!owns(get(live), token)) {
                    step.reply = 0L;
                    return live;
                  }
                  long fence = fences.merge(LockKeys.fenceKey(key), 1L, Long::sum); // INCR: 1 the first time
                  step.reply = fence;
                  return live.keepTtl(token + " " + fence + " " + metadata);
                }));
  }

  @Override
  public CompletionStage<Holding> inspect(String key) {
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Holding> step) -> {
                  if (live != null) { // a value of another type reads as '' (held, but not by redis-mutex)
                    step.reply = new Holding(live.isString() ? live.string : "", live.pttl(step.now));
                  }
                  return live;
                }));
  }

  @Override
  public CompletionStage<Boolean> fencedSet(String key, String value, long fencingToken) {
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Boolean> step) -> {
                  String fenceKey = LockKeys.fenceKey(key);
                  long last = fences.getOrDefault(fenceKey, -1L); // no fence key yet: -1
                  if (fencingToken < last) { // an equal token is the same writer again: accepted
                    step.reply = false;
                    return live;
                  }
                  fences.put(fenceKey, fencingToken);
                  step.reply = true;
                  return new Value(value, false, 0); // SET: any old type and expiry are gone
                }));
  }

  @Override
  public CompletionStage<Boolean> conditionAwait(
      String key, String token, String queueKey, String waiterId, long heartbeatMillis) {
    checkPositive("heartbeatMillis", heartbeatMillis);
    String stateKey = LockKeys.waiterStateKey(key, waiterId);
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Boolean> step) -> {
                  if (!owns(get(live), token)) {
                    step.reply = false;
                    return live;
                  }
                  onQueue(
                      queueKey,
                      step,
                      (List<String> queue, Step<Boolean> s) -> {
                        getState(stateKey, s); // SET looks the key up first: an expired one goes, announced
                        waiterStates.put(stateKey, Value.expiring(WAITING, heartbeatMillis, s.now)); // SET PX
                        queue.add(waiterId); // RPUSH
                      });
                  step.reply = true;
                  return live;
                }));
  }

  @Override
  public CompletionStage<Long> conditionSignal(String key, String token, String queueKey, boolean all) {
    return reply(
        () ->
            run(
                key,
                (Value live, Step<Long> step) -> {
                  if (!owns(get(live), token)) {
                    step.reply = -1L;
                    return live;
                  }
                  onQueue(
                      queueKey,
                      step,
                      (List<String> queue, Step<Long> s) -> {
                        long woken = 0;
                        while (!queue.isEmpty()) {
                          String id = queue.remove(0); // LPOP: dead and already signalled waiters are dropped
                          String stateKey = LockKeys.waiterStateKey(key, id); // ARGV[3] .. ':waiter:' .. id
                          if (WAITING.equals(getState(stateKey, s))) {
                            waiterStates.put(stateKey, waiterStates.get(stateKey).keepTtl(SIGNALLED));
                            s.publish(LockKeys.waiterChannel(stateKey), SIGNALLED);
                            woken++;
                            if (!all) {
                              break;
                            }
                          }
                        }
                        s.reply = woken;
                      });
                  return live;
                }));
  }

  @Override
  public CompletionStage<Long> conditionLeave(String key, String queueKey, String waiterId, long heartbeatMillis) {
    if (heartbeatMillis < 0) {
      throw new IllegalArgumentException("heartbeatMillis must not be negative, was " + heartbeatMillis);
    }
    String stateKey = LockKeys.waiterStateKey(key, waiterId);
    return reply(
        () ->
            runOnQueue(
                queueKey,
                (List<String> queue, Step<Long> step) -> {
                  String state = getState(stateKey, step);
                  if (heartbeatMillis > 0) { // a heartbeat: the queue is left as it is
                    if (state == null) {
                      step.reply = -1L;
                      return;
                    }
                    waiterStates.put(stateKey, waiterStates.get(stateKey).pexpire(heartbeatMillis, step.now));
                    step.reply = SIGNALLED.equals(state) ? 1L : 0L;
                    return;
                  }
                  queue.removeIf(waiterId::equals); // LREM count 0: every occurrence
                  waiterStates.remove(stateKey); // DEL
                  if (state == null) {
                    step.reply = -1L; // lapsed: a signal may have been lost with it
                  } else {
                    step.reply = SIGNALLED.equals(state) ? 1L : 0L;
                  }
                }));
  }

  /**
   * Runs a condition script's part on its queue, inside the step of the script, as one compute on the queue key:
   * the queue and the states of its waiters change together. Called inside a step on the lock key by the scripts
   * that check ownership; the lock key is always taken first.
   */
  private <R> void onQueue(String queueKey, Step<R> step, QueueScript<R> script) {
    queues.compute(
        queueKey,
        (k, stored) -> {
          List<String> queue = stored == null ? new ArrayList<>() : new ArrayList<>(stored);
          script.run(queue, step);
          return queue.isEmpty() ? null : List.copyOf(queue); // an emptied list is deleted
        });
  }

  /** Runs a script that touches no lock key (condition-leave.lua) as one step on its queue key alone. */
  private <R> R runOnQueue(String queueKey, QueueScript<R> script) {
    Step<R> step = new Step<>(queueKey, subscribers, keyspaceDatabase);
    onQueue(
        queueKey,
        step,
        (List<String> queue, Step<R> s) -> {
          s.now = System.nanoTime();
          script.run(queue, s);
        });
    step.deliveries.forEach(Runnable::run);
    return step.reply;
  }

  /**
   * GET of a waiter's state key, inside a step on its queue: null when absent. A state whose heartbeat ran out is
   * gone, and its removal announced, as {@link #run} does for the keys it touches.
   */
  private String getState(String stateKey, Step<?> step) {
    Value state = waiterStates.get(stateKey);
    if (state != null && state.hasExpiredAt(step.now)) {
      waiterStates.remove(stateKey);
      step.keyspaceEvent(stateKey, "expired");
      return null;
    }
    return state == null ? null : state.string;
  }

  /** A fresh view of the keys for one multi-key script, see {@link ScriptKeys}. */
  ScriptKeys scriptKeys() {
    return new ScriptKeys();
  }

  /**
   * The keys of this store as one script of {@link InMemoryReadWriteStore} reads and writes them: each command one
   * step on its key, as {@link #run} runs it (lazy expiry included), and what the script publishes is delivered only
   * at {@link #deliver()}, once the script is over, to the subscribers subscribed when it published. That the
   * script's commands run together is the caller's to ensure; only commands on these same keys outside the
   * read-write scripts (renewals, extensions, inspections, fencing tokens) can come between them. Values of other
   * types are not expected here: they fail with WRONGTYPE, as GET does.
   */
  final class ScriptKeys {
    private final List<Runnable> deliveries = new ArrayList<>(1);

    private ScriptKeys() {}

    /** GET: the string at the key, null when there is none. */
    String getString(String key) {
      return runDeferred(key, (Value live, Step<String> step) -> {
        step.reply = get(live);
        return live;
      }, deliveries);
    }

    /** PTTL: the milliseconds left, -1 without expiry, -2 when the key does not exist. */
    long pttl(String key) {
      return runDeferred(key, (Value live, Step<Long> step) -> {
        step.reply = live == null ? -2L : live.pttl(step.now);
        return live;
      }, deliveries);
    }

    /** {@code SET key value PX leaseMillis}. */
    void set(String key, String value, long leaseMillis) {
      checkPositive("leaseMillis", leaseMillis);
      runDeferred(key, (Value live, Step<Void> step) -> Value.expiring(value, leaseMillis, step.now), deliveries);
    }

    /** {@code PEXPIRE key leaseMillis}: nothing when the key does not exist. */
    void pexpire(String key, long leaseMillis) {
      checkPositive("leaseMillis", leaseMillis);
      runDeferred(key, (Value live, Step<Void> step) -> live == null ? null : live.pexpire(leaseMillis, step.now),
          deliveries);
    }

    /** {@code DEL key}. */
    void del(String key) {
      runDeferred(key, (Value live, Step<Void> step) -> null, deliveries);
    }

    /** {@code PUBLISH channel message}: queued now for the subscribers subscribed now. */
    void publish(String channel, String message) {
      Step<Void> step = new Step<>(channel, subscribers, keyspaceDatabase);
      step.publish(channel, message);
      deliveries.addAll(step.deliveries);
    }

    /** Delivers what the script published; call once it is over, outside any step. */
    void deliver() {
      deliveries.forEach(Runnable::run);
    }
  }

  /**
   * Runs one step atomically on the key, then delivers what it published. Lazy expiry comes first, as in Redis:
   * the script sees an expired key as absent, and its removal is announced.
   *
   * @throws RedisCommandExecutionException as Redis replies with an error (then nothing was changed)
   */
  private <R> R run(String key, Script<R> script) {
    List<Runnable> deliveries = new ArrayList<>(1);
    R reply = runDeferred(key, script, deliveries);
    deliveries.forEach(Runnable::run);
    return reply;
  }

  /** As {@link #run}, but what the step published is added to {@code deliveries}, for the caller to deliver. */
  private <R> R runDeferred(String key, Script<R> script, List<Runnable> deliveries) {
    Step<R> step = new Step<>(key, subscribers, keyspaceDatabase);
    keys.compute(
        key,
        (k, stored) -> {
          step.now = System.nanoTime();
          Value live = stored;
          if (stored != null && stored.hasExpiredAt(step.now)) {
            live = null;
            step.keyspaceEvent("expired");
          }
          return script.run(live, step);
        });
    deliveries.addAll(step.deliveries);
    return step.reply;
  }

  /** GET: the string at the key, null when there is none; a value of another type is an error reply. */
  private static String get(Value live) {
    if (live != null && !live.isString()) {
      throw new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value");
    }
    return live == null ? null : live.string;
  }

  /** The scripts' ownership check: the lock value starts with the owner token and a space. */
  static boolean owns(String value, String token) {
    return value != null && value.startsWith(token + " ");
  }

  /** {@code tonumber(string.match(value, '^%S+ (%d+)'))}: the fencing token in a lock value acquire.lua wrote. */
  static long fencingTokenOf(String value) {
    String[] fields = value.split(" ", 3);
    return Long.parseLong(fields[1]);
  }

  /** The reply future of a command: complete at once, failed when Redis would have replied with an error. */
  private static <T> CompletableFuture<T> reply(Supplier<T> command) {
    try {
      return CompletableFuture.completedFuture(command.get());
    } catch (RedisCommandExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static void checkPositive(String what, long millis) {
    if (millis <= 0) {
      throw new IllegalArgumentException(what + " must be positive, was " + millis);
    }
  }
}
