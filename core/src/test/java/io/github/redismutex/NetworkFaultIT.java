package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.history.History;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.TcpProxy;
import java.time.Duration;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Network faults between one client and Redis, through a {@link TcpProxy}, while a second client talks to Redis
 * directly and both take turns on two locks (1 s lease). Whatever the network does, holders that kept their lease
 * never overlap, overlaps with holders that lost it are fenced, no tryLock overruns its timeout, no thread hangs, and
 * afterwards every lock is acquirable and nothing is left connected.
 */
@ExtendWith(RedisExtension.class)
class NetworkFaultIT {
  private static final Duration LEASE = Duration.ofSeconds(1);

  private RedisServer server;
  private TcpProxy proxy;
  private WorkloadRun run;

  @BeforeEach
  void start(TestInfo test, @Dedicated RedisServer server) {
    this.server = server;
    proxy = TcpProxy.to(server.port());
    run = WorkloadRun.forFaultTest(test.getTestMethod().orElseThrow().getName(), LEASE);
    run.startClient(proxy.uri());
    run.startClient(server.uri());
  }

  @AfterEach
  void stop() throws Exception {
    run.close();
    proxy.close();
  }

  @Test
  void holdersThatKeptTheirLeaseNeverOverlapWhileAllTrafficOfOneClientIsHeldForThreeLeases() throws Exception {
    fault("all traffic held 3 s", () -> proxy.holdAll(), Duration.ofSeconds(3), () -> proxy.pass());
  }

  @Test
  void holdersThatKeptTheirLeaseNeverOverlapWhileRepliesToOneClientAreHeldForThreeLeases() throws Exception {
    // its commands still run: acquisitions it never hears of must expire or be released, not linger
    fault("replies held 3 s", () -> proxy.hold(TcpProxy.Direction.TO_CLIENT), Duration.ofSeconds(3),
        () -> proxy.pass());
  }

  @Test
  void holdersThatKeptTheirLeaseNeverOverlapWhileCommandsFromOneClientAreHeldForThreeLeases() throws Exception {
    fault("commands held 3 s", () -> proxy.hold(TcpProxy.Direction.TO_SERVER), Duration.ofSeconds(3),
        () -> proxy.pass());
  }

  @Test
  void latencyOfAFifthOfTheLeaseOnEveryChunkKeepsLeasesAndTimeouts() throws Exception {
    fault("200 ms latency per chunk for 3 s", () -> proxy.latency(Duration.ofMillis(200)), Duration.ofSeconds(3),
        () -> proxy.pass());
  }

  @Test
  void cuttingEveryConnectionOfAClientFourTimesASecondLosesNoLockAndHangsNoWaiter() throws Exception {
    fault("all connections cut every 250 ms for 3 s", repeatedly(proxy::cutAll), Duration.ofSeconds(3), () -> {});
  }

  @Test
  void cuttingOnlyThePubSubConnectionFourTimesASecondHangsNoWaiter() throws Exception {
    fault("pub/sub connection cut every 250 ms for 3 s", repeatedly(proxy::cutSubscribers), Duration.ofSeconds(3),
        () -> {});
  }

  @Test
  void thePubSubConnectionThatRedisListsCanBeCutAloneThroughTheProxy() throws Exception {
    // CLIENT LIST names each client's address; for the proxied client that is the proxy's outgoing port
    IntSupplier cutByClientList = () -> server.admin().clientList().lines()
        // the pub/sub connection: last command a (un)subscribe (sub= may be 0 between two waits)
        .filter(line -> line.matches(".* cmd=[ps]?(un)?subscribe( .*|$)"))
        .mapToInt(line -> proxy.cutServerSidePort(Integer.parseInt(line.replaceAll("^.*? addr=[^ ]*:(\\d+) .*$", "$1"))))
        .sum();
    fault("pub/sub connection found by CLIENT LIST cut once", () -> assertThat(cutByClientList.getAsInt())
        .as("pub/sub connections cut").isEqualTo(1), Duration.ofSeconds(1), () -> {});
  }

  /** A fault action repeated every 250 ms until the fault's time is up. */
  private static Runnable repeatedly(IntSupplier action) {
    return () -> {
      Thread thread = new Thread(() -> {
        long end = System.nanoTime() + Duration.ofSeconds(3).toNanos();
        while (System.nanoTime() < end) {
          action.getAsInt();
          try {
            Thread.sleep(250); // the pace of the fault: four times a second
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "repeated-fault");
      thread.setDaemon(true);
      thread.start();
    };
  }

  private void fault(String what, Runnable begin, Duration length, Runnable end) throws Exception {
    run.awaitEveryClientOnEveryName(History.nowMicros()); // the fault meets a running load
    begin.run();
    Thread.sleep(length.toMillis()); // the length of the fault
    end.run();
    long healedAtMicros = History.nowMicros();
    run.awaitEveryClientOnEveryName(healedAtMicros); // the faulted client too is back on every lock
    WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
    long acquireAll = run.acquireEveryName(server.uri(), LEASE.plusSeconds(5));
    System.out.printf("%s: %s; first section %d ms after it ended; every name acquired again in %d ms%n", what,
        result, run.firstEntryAfterMillis(healedAtMicros), acquireAll);
    result.assertSafe();
    assertThat(result.acquisitions()).isPositive();
    run.close();
    proxy.close();
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }
}
