/**
 * A {@link java.util.concurrent.locks.Lock} shared by many processes through Redis.
 *
 * <p>The public surface: {@link io.github.redismutex.RedisLocks} (and its builder), the entry point, one per
 * application and Redis deployment; {@link io.github.redismutex.RedisMutex}, the lock; {@link
 * io.github.redismutex.RedisReadWriteLock} (with its {@code ReadLock}), the read-write lock; and the value types a user
 * meets: {@link io.github.redismutex.LeaseExpiredException}, {@link io.github.redismutex.LeaseLostListener}, {@link
 * io.github.redismutex.LockInfo}, {@link io.github.redismutex.LockHold} (a hold of the non-blocking API). Everything
 * else is package-private, in these roles:
 *
 * <ul>
 *   <li><b>The algorithm</b>: {@code MutexSync}, the skeleton every lock delegates to (as {@code ReentrantLock} to
 *       its {@code Sync}); {@code Acquisition}, one acquisition in Redis from its first attempt to holding or giving
 *       up; {@code Releaser}, an unlock's release in Redis; {@code HeldLeases}, what a holder asks of its own lease
 *       (extend, fencing token, validity); {@code WaitPolicy}, how a call waits; {@code Deadline},
 *       one call's time bound; {@code Backoff}, the one pause between retries; {@code QueuedAttempt}, the one rule for
 *       trusting a direct hand-over.
 *   <li><b>The non-blocking API</b>: {@code AsyncSync}, what {@code acquireAsync} delegates to; {@code
 *       AsyncAcquisition}, one acquisition as a state machine (its steps and timer: {@code AsyncSteps}) in this
 *       JVM's queue of its name ({@code AsyncGates}); {@code AsyncHolds} and {@code AsyncRelease}, what a {@code
 *       LockHold} asks of its lease; all on the one {@code AsyncThread}; {@code AsyncParts}, the record of them.
 *   <li><b>This JVM's side of a lock</b>: {@code LockTable} of {@code LocalLock}s (the local gate, the held lease,
 *       a lease offered for a local hand-over); {@code Lease}, its end and its loss; {@code LeaseWatchdog} renewing
 *       all leases, {@code UnconfirmedReleases} keeping the clean-ups Redis has not confirmed, both on the one
 *       {@code Background} thread; {@code LeaseLossReporter}; {@code ClockDrift}, the one rule for lease ends.
 *   <li><b>Waiting</b>: {@code WaiterRegistry} of {@code Waiter}s with reference-counted subscriptions on one
 *       {@code Subscriber} ({@code LettuceSubscriber}; on a cluster {@code NodeLocalSubscriber}, which also listens
 *       on each key's primary; {@code RedlockSubscriber}); {@code Grant}, a hand-over announced to a waiter; {@code
 *       WakeupMode}.
 *   <li><b>Redis</b>: {@code LockStore}, the lock commands (the only way the algorithm talks to Redis), with {@code
 *       LettuceLockStore} (one server or a cluster), {@code AcknowledgedLockStore} over it (holds confirmed by
 *       replicas, {@code WAIT}) and {@code RedlockLockStore} (a majority, decided by {@code MajorityVote}); the
 *       scripts ({@code LuaScript}, resources {@code *.lua}, each headed by its contract); {@code LockKeys} and
 *       {@code LockValue}, the key and value formats; {@code Replies}, waiting for one reply; {@code
 *       RedisFailures}, which failures a retry cures.
 *   <li><b>The deployment, chosen once</b>: {@code Deployment}, with {@code ServerDeployment} (one server,
 *       Sentinel, Cluster) and {@code RedlockDeployment}; {@code RedisConnections}, {@code ServerFeatures} and
 *       {@code KeyspaceNotifications}, learnt at connect.
 *   <li><b>Read-write locks</b>: {@code ReadWriteLocks} wires them: the write locks are the mutex machinery once
 *       more over {@code ReadWriteHoldStore.Writes}; the read holds are {@code ReadSync}'s, one per thread, acquired
 *       by the same {@code Acquisition} through {@code ReadWriteHoldStore.Reads}; {@code ReadWriteStore}, their
 *       commands.
 *   <li><b>Conditions</b>: {@code RedisCondition} over a {@code HeldLock} (the narrow view of its lock, {@code
 *       MutexHold}) and a {@code ConditionStore}, made by {@code Conditions} where the deployment offers them.
 *   <li><b>Queries</b>: {@code LockQueries} (inspect, remaining lease, fenced writes).
 * </ul>
 *
 * <p>What is kept in Redis, the messages, the clocks and the invariants the safety argument rests on are in {@code
 * docs/protocol.md}.
 */
@NullMarked
package io.github.redismutex;

import org.jspecify.annotations.NullMarked;
