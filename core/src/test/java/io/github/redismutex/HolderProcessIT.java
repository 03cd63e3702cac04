package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.history.History;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Holder processes paused (SIGSTOP) past their lease or killed (SIGKILL), among three clients (two child JVMs and
 * this one) taking turns on two locks with a 1 s lease.
 */
@ExtendWith(RedisExtension.class)
class HolderProcessIT {
  private static final Duration LEASE = Duration.ofSeconds(1);

  private RedisServer server;
  private WorkloadRun run;
  private ChildJvm victim;

  @BeforeEach
  void start(TestInfo test, @Dedicated RedisServer server) throws Exception {
    this.server = server;
    run = WorkloadRun.forFaultTest(test.getTestMethod().orElseThrow().getName(), LEASE);
    victim = run.startChild(server.uri());
    run.startChild(server.uri());
    run.startClient(server.uri());
  }

  @AfterEach
  void stop() throws Exception {
    run.close();
  }

  @Test
  void aHolderProcessPausedPastItsLeaseOverlapsOnlyAsAStaleFencedHolder() throws Exception {
    for (int i = 0; i < 3; i++) { // three times, so that it is likely caught inside a critical section
      Thread.sleep(1_000);
      run.pauseChild(victim, Duration.ofSeconds(2)); // a stop-the-world pause of two leases
    }
    Thread.sleep(1_500);
    WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
    long acquireAll = run.acquireEveryName(server.uri(), LEASE.plusSeconds(5));
    System.out.printf("holder process paused 3 times 2 s: %s; every name acquired again in %d ms%n", result, acquireAll);
    result.assertSafe();
    run.close();
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }

  @Test
  void aHolderProcessKilledFreesItsLocksWithinALeaseAndNobodyOverlaps() throws Exception {
    Thread.sleep(1_000);
    long killedAtMicros = History.nowMicros();
    victim.kill();
    Thread.sleep(2_000);
    WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
    long firstAfterKill = run.firstEntryAfterMillis(killedAtMicros);
    long acquireAll = run.acquireEveryName(server.uri(), LEASE.plusSeconds(5));
    System.out.printf("holder process killed: %s; first section %d ms after the kill; every name acquired again in"
        + " %d ms%n", result, firstAfterKill, acquireAll);
    result.assertSafe();
    assertThat(firstAfterKill).as("ms from the kill to the next acquisition: at most a lease").isLessThan(
        LEASE.toMillis() + WorkloadRun.ALLOWED_LATENESS_MILLIS);
    run.close();
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }
}
