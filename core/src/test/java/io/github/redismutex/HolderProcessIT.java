package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.history.History;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.stream.Stream;
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

  /** Waits until the victim holds one of the run's locks, as Redis says: a fault now meets a holder. */
  private void awaitVictimHolding() {
    try (RedisLocks inspector = RedisLocks.builder().uri(server.uri()).keyPrefix(run.prefix()).build()) {
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5))
          .until(() -> Stream.of("a", "b").map(inspector::inspect)
              .anyMatch(holder -> holder.isPresent() && holder.get().pid() == victim.pid()));
    }
  }

  @Test
  void aHolderProcessPausedPastItsLeaseOverlapsOnlyAsAStaleFencedHolder() throws Exception {
    for (int i = 0; i < 3; i++) { // three times: each pause is likely to catch it inside a critical section
      awaitVictimHolding();
      run.pauseChild(victim, Duration.ofSeconds(2)); // a stop-the-world pause of two leases
    }
    run.awaitEveryClientOnEveryName(History.nowMicros()); // the victim too is back on every lock
    WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
    long acquireAll = run.acquireEveryName(server.uri(), LEASE.plusSeconds(5));
    System.out.printf("holder process paused 3 times 2 s: %s; every name acquired again in %d ms%n", result, acquireAll);
    result.assertSafe();
    run.close();
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }

  @Test
  void aHolderProcessKilledFreesItsLocksWithinALeaseAndNobodyOverlaps() throws Exception {
    awaitVictimHolding();
    long killedAtMicros = History.nowMicros();
    victim.kill();
    run.awaitEveryClientOnEveryName(killedAtMicros); // the survivors take every lock again, the victim's too
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
