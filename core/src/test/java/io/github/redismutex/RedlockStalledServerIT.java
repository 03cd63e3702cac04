package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Servers;
import io.github.redismutex.support.TcpProxy;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Redlock over three servers of which one is stalled: alive, connected, and silent (a stopped process, a server
 * busy in DEBUG SLEEP, traffic held on the way). Outcomes are decided by the two that answer, as soon as they are
 * certain, so waiters hear releases and hand-overs are as quick as on a healthy deployment. Every test starts its own
 * servers; the third is reached through a {@link TcpProxy}.
 */
@ExtendWith(RedisExtension.class)
class RedlockStalledServerIT {
  private List<RedisServer> servers;
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private TcpProxy proxy;
  private Runnable resume = () -> { };

  /** Ways a server stops answering without dropping its connections. */
  enum Stall {
    PROCESS_STOPPED, // SIGSTOP
    DEBUG_SLEEP, // the server runs one command for a long time
    TRAFFIC_HELD // the network delivers nothing, closes nothing
  }

  @BeforeEach
  void start(@Servers(value = 3, args = {"--enable-debug-command", "yes"}) List<RedisServer> servers) {
    this.servers = servers;
    proxy = TcpProxy.to(servers.get(2).port());
  }

  @AfterEach
  void stop() {
    resume.run();
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
    proxy.close();
  }

  /** Default command timeout (2 s): a decision that waited for the stalled server would show. */
  private RedisLocks connect() {
    RedisLocks locks = RedisLocks.builder()
        .redlock(servers.get(0).uri(), servers.get(1).uri(), proxy.uri())
        .leaseTime(Duration.ofSeconds(5))
        .build();
    opened.add(locks);
    return locks;
  }

  /** The waiter's tryLock(1500 ms) on its own thread: whether it acquired (and then released). */
  private Future<Boolean> tryLockFor1500Millis(RedisLocks waiter, String name) {
    return threads.submit(() -> {
      RedisMutex lock = waiter.mutex(name);
      boolean got = lock.tryLock(1_500, TimeUnit.MILLISECONDS);
      if (got) {
        lock.unlock();
      }
      return got;
    });
  }

  private void stall(Stall how) throws Exception {
    RedisServer third = servers.get(2);
    switch (how) {
      case PROCESS_STOPPED -> {
        third.signal("STOP");
        resume = () -> third.signal("CONT");
      }
      case DEBUG_SLEEP -> {
        Socket socket = new Socket("127.0.0.1", third.port());
        socket.getOutputStream().write("DEBUG SLEEP 60\r\n".getBytes(StandardCharsets.US_ASCII)); // a minute
        resume = () -> closeQuietly(socket);
        // the server is inside DEBUG SLEEP before the test goes on
        await().atMost(Duration.ofSeconds(5)).until(() -> !third.answersPingWithin(Duration.ofMillis(50)));
      }
      case TRAFFIC_HELD -> {
        proxy.holdAll();
        resume = proxy::pass;
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // the test is over
    }
  }

  @ParameterizedTest
  @EnumSource(Stall.class)
  void aTryLockAcquiresALockReleasedDuringTheCallWhileAMinorityIsStalled(Stall how) throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    stall(how);
    int acquired = 0;
    for (int round = 0; round < 4; round++) {
      RedisMutex held = holder.mutex("released during the call");
      held.lock();
      Future<Boolean> attempt = tryLockFor1500Millis(waiter, "released during the call");
      Thread.sleep(300); // the holder's work
      held.unlock();
      acquired += attempt.get(10, TimeUnit.SECONDS) ? 1 : 0;
    }
    assertThat(acquired).as("tryLock(1500 ms) acquired, lock released 300 ms into the call, of 4").isEqualTo(4);
  }

  @Test
  void anAttemptThatOvertakesTheReleaseOnOneServerTriesAgainRatherThanWaitForTheStalledOne() throws Exception {
    try (TcpProxy slow = TcpProxy.to(servers.get(1).port())) {
      RedisLocks holder = RedisLocks.builder().redlock(servers.get(0).uri(), slow.uri(), proxy.uri())
          .leaseTime(Duration.ofSeconds(5)).build();
      opened.add(holder);
      RedisLocks waiter = connect();
      RedisMutex held = holder.mutex("overtaken");
      held.lock();
      Future<Boolean> attempt = tryLockFor1500Millis(waiter, "overtaken");
      String waiters = LockKeys.waitersKey(waiter.keyOf("overtaken"));
      await().until(() -> servers.get(0).admin().exists(waiters) == 1 && waiter.subscribedChannelCount() > 0);
      slow.latency(Duration.ofMillis(300)); // the holder's release reaches the second server 300 ms late
      stall(Stall.PROCESS_STOPPED);

      held.unlock();
      // Woken by the first server's release, the waiter's attempt finds the lock still held on the second: a split
      // vote that the stalled third server would keep open past the call's deadline.
      assertThat(attempt.get(10, TimeUnit.SECONDS)).as("tryLock(1500 ms) acquired").isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(Stall.class)
  void handOversWhileAMinorityIsStalledAreAsQuickAsOnAHealthyDeployment(Stall how) throws Exception {
    RedisLocks holder = connect();
    RedisLocks waiter = connect();
    long healthy = medianHandOverMillis(holder, waiter, "healthy");
    stall(how);
    long stalled = medianHandOverMillis(holder, waiter, "stalled");
    System.out.printf("redlock hand-over, median of 5: %d ms healthy, %d ms with one of three servers %s%n",
        healthy, stalled, how);
    assertThat(stalled).as("within tens of milliseconds of the healthy hand-over").isLessThanOrEqualTo(healthy + 50);
  }

  /** Five hand-overs: the holder unlocks, the waiter (blocked in lock()) returns; the median time between. */
  private long medianHandOverMillis(RedisLocks holder, RedisLocks waiter, String name) throws Exception {
    long[] millis = new long[5];
    for (int i = 0; i < millis.length; i++) {
      RedisMutex held = holder.mutex(name);
      held.lock();
      Future<Long> acquiredAt = threads.submit(() -> {
        RedisMutex lock = waiter.mutex(name);
        lock.lock();
        long at = System.nanoTime();
        lock.unlock();
        return at;
      });
      Thread.sleep(200); // the holder's work; the waiter waits meanwhile
      long releasedAt = System.nanoTime();
      held.unlock();
      millis[i] = TimeUnit.NANOSECONDS.toMillis(acquiredAt.get(30, TimeUnit.SECONDS) - releasedAt);
    }
    Arrays.sort(millis);
    return millis[millis.length / 2];
  }
}
