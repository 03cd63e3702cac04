package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.DeploymentUnderTest;
import io.github.redismutex.support.Deployments;
import io.github.redismutex.support.RedisExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code Lock} contract and ReentrantLock's inspection methods, against real Redis, on every deployment: one
 * server, Sentinel, Cluster and Redlock over three servers, each started once for all of its tests. What a test reads
 * behind the library's back it reads where the deployment keeps it: on the server of the key's slot, or on every
 * Redlock server.
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(DeploymentUnderTest.Kind.class)
@ExtendWith(RedisExtension.class)
class LockContractIT {
  @Parameter
  private DeploymentUnderTest.Kind kind;

  private final Deployments deployments;
  private final String prefix = "contract-" + UUID.randomUUID() + ":";
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private DeploymentUnderTest deployment;
  private RedisLocks locks;
  private RedisLocks otherNode;

  LockContractIT(Deployments deployments) {
    this.deployments = deployments;
  }

  @BeforeEach
  void connect() {
    deployment = deployments.get(kind);
    locks = deployment.builder().keyPrefix(prefix).build();
    otherNode = deployment.builder().keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    locks.close();
    otherNode.close();
  }

  @Test
  void lockThenUnlockLeavesTheKeyHeldInBetweenAndGoneAfter() {
    RedisMutex lock = locks.mutex("orders:42");
    lock.lock();
    assertThat(deployment.majorityValue(locks.keyOf("orders:42"))).hasValueSatisfying(v -> assertThat(v).isNotBlank());
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    lock.unlock();
    String key = locks.keyOf("orders:42");
    // gone from a majority when unlock() returns (from the one server, but for Redlock), and soon from every server
    assertThat(deployment.serversHolding(key)).isLessThanOrEqualTo(deployment.serversOf(key).size() / 2);
    await().atMost(Duration.ofSeconds(5)).until(() -> deployment.serversHolding(key) == 0);
    assertThat(lock.isHeldByCurrentThread()).isFalse();
  }

  @Test
  void reentryCountsHoldsAndNeedsAsManyUnlocks() {
    RedisMutex lock = locks.mutex("reentrant");
    lock.lock();
    lock.lock();
    assertThat(lock.tryLock()).isTrue();
    assertThat(lock.getHoldCount()).isEqualTo(3);
    lock.unlock();
    lock.unlock();
    assertThat(lock.getHoldCount()).isEqualTo(1);
    assertThat(otherNode.mutex("reentrant").tryLock()).isFalse();
    lock.unlock();
    assertThat(lock.getHoldCount()).isZero();
    assertThat(otherNode.mutex("reentrant").tryLock()).isTrue();
    otherNode.mutex("reentrant").unlock();
  }

  @Test
  void reentryAndItsUnlockSendNoRedisCommand() {
    RedisMutex lock = locks.mutex("free re-entry");
    lock.lock();
    Map<String, Long> before = deployment.clientCommandCalls();
    for (int i = 0; i < 100; i++) {
      lock.lock();
      assertThat(lock.tryLock()).isTrue();
      lock.unlock();
      lock.unlock();
    }
    Map<String, Long> after = deployment.clientCommandCalls();
    lock.unlock();
    assertThat(after).as("commands run for 200 re-entries").isEqualTo(before);
  }

  @Test
  void twoHandlesOfOneNameAreTheSameLock() {
    locks.mutex("same").lock();
    assertThat(locks.mutex("same").isHeldByCurrentThread()).isTrue();
    locks.mutex("same").lock();
    assertThat(locks.mutex("same").getHoldCount()).isEqualTo(2);
    locks.mutex("same").unlock();
    locks.mutex("same").unlock();
    assertThat(locks.mutex("same").isLocked()).isFalse();
  }

  @Test
  void twoRedisLocksInOneJvmExcludeEachOther() throws Exception {
    locks.mutex("nodes").lock();
    Future<Boolean> other = threads.submit(() -> otherNode.mutex("nodes").tryLock());
    assertThat(other.get()).isFalse();
    assertThat(otherNode.mutex("nodes").tryLock()).as("another node, even on the holder's thread").isFalse();
    locks.mutex("nodes").unlock();
    assertThat(otherNode.mutex("nodes").tryLock()).isTrue();
    otherNode.mutex("nodes").unlock();
  }

  @Test
  void unlockByAThreadThatDoesNotHoldItThrowsAndLeavesTheLockHeld() throws Exception {
    RedisMutex lock = locks.mutex("owned");
    lock.lock();
    String token = deployment.majorityValue(locks.keyOf("owned")).orElseThrow();
    Future<Throwable> unlockElsewhere = threads.submit(() -> catchThrowable(lock::unlock));
    assertThat(unlockElsewhere.get())
        .isExactlyInstanceOf(IllegalMonitorStateException.class)
        .hasMessageContaining("owned")
        .hasMessageContaining("does not hold it");
    assertThat(lock.isHeldByCurrentThread()).isTrue();
    assertThat(deployment.majorityValue(locks.keyOf("owned"))).hasValue(token);
    lock.unlock();
  }

  @Test
  void unlockOfAFreeLockThrows() {
    assertThatThrownBy(() -> locks.mutex("free").unlock())
        .isExactlyInstanceOf(IllegalMonitorStateException.class)
        .hasMessageContaining("'free'");
    assertThat(locks.localLockCount()).isZero();
  }

  @Test
  void tryLockTimesOutWhileAnotherClientHolds() throws Exception {
    otherNode.mutex("busy").lock();
    long start = System.nanoTime();
    assertThat(locks.mutex("busy").tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
    long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertThat(tookMillis).isBetween(290L, 800L);
    assertThat(locks.mutex("busy").isHeldByCurrentThread()).isFalse();
    otherNode.mutex("busy").unlock();
  }

  @Test
  void tryLockWithTimeAcquiresOnceTheHolderReleases() throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    threads.submit(() -> holdUntil(otherNode.mutex("handover"), held, release));
    held.await();
    Future<Boolean> waiter = threads.submit(() -> locks.mutex("handover").tryLock(10, TimeUnit.SECONDS));
    await().until(() -> locks.subscribedChannelCount() > 0);
    release.countDown();
    assertThat(waiter.get(5, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void tryLockWithZeroOrNegativeTimeMakesOneAttemptWithoutWaiting() throws Exception {
    assertThat(locks.mutex("zero").tryLock(0, TimeUnit.SECONDS)).isTrue();
    locks.mutex("zero").unlock();
    otherNode.mutex("zero").lock();
    long start = System.nanoTime();
    assertThat(locks.mutex("zero").tryLock(-5, TimeUnit.SECONDS)).isFalse();
    assertThat(System.nanoTime() - start).isLessThan(TimeUnit.MILLISECONDS.toNanos(500));
    otherNode.mutex("zero").unlock();
  }

  @Test
  void hugeTimeoutsDoNotOverflow() throws Exception {
    assertThat(locks.mutex("huge").tryLock(Long.MAX_VALUE, TimeUnit.DAYS)).isTrue();
    locks.mutex("huge").unlock();
    assertThat(locks.mutex("huge").tryLock(Long.MAX_VALUE, TimeUnit.NANOSECONDS)).isTrue();
    locks.mutex("huge").unlock();
  }

  @Test
  void tryLockWithNullUnitThrowsNullPointerException() {
    assertThatThrownBy(() -> locks.mutex("units").tryLock(1, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("unit");
  }

  @Test
  void lockInterruptiblyThrowsWhenInterruptedBeforeTheCall() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> locks.mutex("interrupted").lockInterruptibly())
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).as("flag cleared, as ReentrantLock does").isFalse();
    assertThat(locks.mutex("interrupted").isLocked()).isFalse();
  }

  @Test
  void tryLockWithTimeThrowsWhenInterruptedBeforeTheCall() {
    Thread.currentThread().interrupt();
    assertThatThrownBy(() -> locks.mutex("interrupted").tryLock(1, TimeUnit.SECONDS))
        .isInstanceOf(InterruptedException.class);
    assertThat(Thread.interrupted()).isFalse();
    assertThat(locks.mutex("interrupted").isLocked()).isFalse();
  }

  @Test
  void lockInterruptiblyStopsWaitingWhenInterruptedAndDoesNotHoldTheLock() throws Exception {
    otherNode.mutex("wait").lock();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    AtomicBoolean flagAfter = new AtomicBoolean(true);
    Thread waiter = new Thread(() -> {
      Throwable thrown = catchThrowable(() -> locks.mutex("wait").lockInterruptibly());
      flagAfter.set(Thread.currentThread().isInterrupted());
      outcome.complete(thrown);
    });
    waiter.start();
    await().until(() -> locks.subscribedChannelCount() > 0);
    waiter.interrupt();
    assertThat(outcome.get(5, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
    assertThat(flagAfter.get()).isFalse();
    await().until(() -> locks.subscribedChannelCount() == 0 && locks.localLockCount() == 0);
    otherNode.mutex("wait").unlock();
    assertThat(locks.mutex("wait").isLocked()).isFalse();
  }

  @Test
  void lockIsNotInterruptibleAndKeepsTheInterruptFlag() throws Exception {
    otherNode.mutex("stubborn").lock();
    CompletableFuture<Boolean> interruptedAfterLock = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      RedisMutex lock = locks.mutex("stubborn");
      lock.lock();
      interruptedAfterLock.complete(Thread.currentThread().isInterrupted());
      lock.unlock();
    });
    waiter.start();
    await().until(() -> locks.subscribedChannelCount() > 0);
    waiter.interrupt();
    await("the interrupted waiter still waits, not thrown out").during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2)).until(() -> !interruptedAfterLock.isDone());
    otherNode.mutex("stubborn").unlock();
    assertThat(interruptedAfterLock.get(5, TimeUnit.SECONDS)).isTrue();
    waiter.join(TimeUnit.SECONDS.toMillis(5)); // its unlock done before close(): no stray failure in a later test
    assertThat(waiter.isAlive()).isFalse();
  }

  @Test
  void isLockedSeesHoldersInOtherNodes() {
    assertThat(locks.mutex("seen").isLocked()).isFalse();
    otherNode.mutex("seen").lock();
    assertThat(locks.mutex("seen").isLocked()).isTrue();
    assertThat(locks.mutex("seen").isHeldByCurrentThread()).isFalse();
    assertThat(locks.mutex("seen").getHoldCount()).isZero();
    otherNode.mutex("seen").unlock();
    assertThat(locks.mutex("seen").isLocked()).isFalse();
  }

  @Test
  void remainingLeaseReportsTheHoldersLeaseAndZeroWhenFree() {
    assertThat(locks.mutex("lease").remainingLease()).isEqualTo(Duration.ZERO);
    otherNode.mutex("lease").lock();
    assertThat(locks.mutex("lease").remainingLease())
        .isGreaterThan(Duration.ofSeconds(25))
        .isLessThanOrEqualTo(RedisLocks.DEFAULT_LEASE_TIME);
    otherNode.mutex("lease").unlock();
  }

  @Test
  void extendAddsToTheLeaseAndRenewalDoesNotShortenIt() {
    RedisMutex lock = locks.mutex("extended");
    lock.lock();
    assertThat(lock.extend(Duration.ofSeconds(60))).isTrue();
    assertThat(lock.remainingLease()).isGreaterThan(Duration.ofSeconds(85));
    lock.unlock();
  }

  @Test
  void extendByAThreadThatDoesNotHoldTheLockThrows() {
    assertThatThrownBy(() -> locks.mutex("not mine").extend(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalMonitorStateException.class);
  }

  @Test
  void extendReturnsFalseOnceTheLeaseIsLost() {
    RedisMutex lock = locks.mutex("lost");
    lock.lock();
    deployment.delete(locks.keyOf("lost"));
    assertThat(lock.extend(Duration.ofSeconds(1))).isFalse();
    assertThatThrownBy(lock::unlock).isInstanceOf(LeaseExpiredException.class);
  }

  @Test
  void threadsOfOneJvmWaitInALocalQueueWithOneContenderAndNoPolling() throws Exception {
    otherNode.mutex("queue").lock();
    int waiters = 6;
    CountDownLatch done = new CountDownLatch(waiters);
    List<Thread> waiting = new CopyOnWriteArrayList<>();
    for (int i = 0; i < waiters; i++) {
      threads.submit(() -> {
        waiting.add(Thread.currentThread());
        RedisMutex lock = locks.mutex("queue");
        lock.lock();
        lock.unlock();
        done.countDown();
      });
    }
    String key = locks.keyOf("queue");
    // Settled: the contender's attempt marked the lock as awaited (on a majority), and every thread is parked
    await().until(() -> deployment.serversHolding(LockKeys.waitersKey(key)) > deployment.serversOf(key).size() / 2
        && waiting.size() == waiters && waiting.stream().allMatch(LockContractIT::parked));
    String channel = locks.wakeupMode() == WakeupMode.KEYSPACE
        ? LockKeys.keyspaceChannel(0, key) : LockKeys.releaseChannel(key);
    assertThat(deployment.subscribers(channel)).as("one subscription for six waiting threads, on each server")
        .allMatch(count -> count <= 1).anyMatch(count -> count == 1);
    Map<String, Long> before = deployment.clientCommandCalls();
    await("no command while they wait").during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
        .until(() -> deployment.clientCommandCalls().equals(before));
    otherNode.mutex("queue").unlock();
    assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
    await().until(() -> locks.subscribedChannelCount() == 0);
    assertThat(deployment.subscribers(channel)).as("dropped when the last waiter left").allMatch(count -> count == 0);
  }

  @Test
  void localStateDoesNotGrowWithTheNumberOfNamesUsed() {
    for (int i = 0; i < 2_000; i++) {
      RedisMutex lock = locks.mutex("name-" + i);
      lock.lock();
      lock.unlock();
    }
    assertThat(locks.localLockCount()).isZero();
    assertThat(locks.heldLeaseCount()).isZero();
  }

  private static boolean parked(Thread thread) {
    return thread.getState() == Thread.State.WAITING || thread.getState() == Thread.State.TIMED_WAITING;
  }

  private static Void holdUntil(RedisMutex lock, CountDownLatch held, CountDownLatch release) throws Exception {
    lock.lock();
    try {
      held.countDown();
      release.await();
    } finally {
      lock.unlock();
    }
    return null;
  }

  private static Throwable catchThrowable(ThrowingRunnable action) {
    try {
      action.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }

  @FunctionalInterface
  interface ThrowingRunnable {
    void run() throws Exception;
  }
}
