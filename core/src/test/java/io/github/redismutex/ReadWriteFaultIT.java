package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.ReadWriteProcessIT.Section;
import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.ReadWriteClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Signals;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The read-write lock under faults: two child JVMs (4 threads each, 10 % writes, 10 ms sections, 1 s leases) on one lock while Redis
 * is paused three ways, every connection is cut, or one of the JVMs is stopped past its leases. Sections are
 * compared on the machine's one monotonic clock: no write may overlap another section when both holds still had
 * their lease at their end (a hold that lost its lease, told by {@code isLeaseValid} or its unlock, may overlap: that
 * is what fencing tokens are for); and the lock is taken again after the fault.
 */
@ExtendWith(RedisExtension.class)
class ReadWriteFaultIT {
  private static final long FAULT_MILLIS = 1_500; // one and a half leases
  private final String prefix = "rw-fault-" + UUID.randomUUID() + ":";
  private RedisServer server;

  enum Fault { CLIENT_PAUSE, DEBUG_SLEEP, REDIS_SIGSTOP, CONNECTIONS_CUT, JVM_SIGSTOP }

  @BeforeEach
  void start(@Dedicated(args = {"--enable-debug-command", "yes"}) RedisServer server) { // DEBUG is off by default
    this.server = server;
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void noReaderIsInsideWithAWriterWhileTheirLeasesHoldAndTheLockIsTakenAgainAfterTheFault(Fault fault)
      throws Exception {
    List<Section> sections = new ArrayList<>();
    long faultEnd;
    try (ChildJvm first = mix(); ChildJvm second = mix()) {
      first.awaitLine("STARTED", 30, TimeUnit.SECONDS);
      second.awaitLine("STARTED", 30, TimeUnit.SECONDS);
      Thread.sleep(1_000); // the load runs a while before the fault
      inject(fault, second);
      faultEnd = System.nanoTime();
      Thread.sleep(2_000); // the load runs on after the fault
      first.send("STOP");
      second.send("STOP");
      sections.addAll(ReadWriteProcessIT.sections(first, 0));
      sections.addAll(ReadWriteProcessIT.sections(second, 1));
    }
    long violations = 0;
    long staleOverlaps = 0;
    for (Section write : sections.stream().filter(Section::write).toList()) {
      for (Section other : sections) {
        if (other != write && other.overlaps(write)) {
          if (write.valid() && other.valid()) {
            violations++;
          } else {
            staleOverlaps++;
          }
        }
      }
    }
    long after = sections.stream().filter(s -> s.start() > faultEnd).count();
    for (int process = 0; process < 2; process++) {
      int p = process;
      System.out.printf("  JVM %d: sections from %d ms to %d ms after the fault's end%n", p,
          TimeUnit.NANOSECONDS.toMillis(sections.stream().filter(s -> s.process() == p).mapToLong(Section::start)
              .min().orElse(faultEnd) - faultEnd),
          TimeUnit.NANOSECONDS.toMillis(sections.stream().filter(s -> s.process() == p).mapToLong(Section::end)
              .max().orElse(faultEnd) - faultEnd));
    }
    System.out.printf("read-write under %s: %d sections (%d writes, %d lost their lease); %d overlaps of valid holds"
        + " with a writer; %d overlaps where a hold had lost its lease; %d sections after the fault%n", fault,
        sections.size(), sections.stream().filter(Section::write).count(),
        sections.stream().filter(s -> !s.valid()).count(), violations, staleOverlaps, after);
    assertThat(violations).as("a writer beside another hold, both with their lease").isZero();
    assertThat(after).as("sections after the fault").isPositive();
  }

  private ChildJvm mix() {
    return ChildJvm.start(ReadWriteClientMain.class, "mix", server.uri(), prefix, "doc", "0", "4", "10", "10",
        "1000");
  }

  private void inject(Fault fault, ChildJvm jvm) throws Exception {
    switch (fault) {
      case CLIENT_PAUSE -> {
        server.admin().clientPause(FAULT_MILLIS); // ALL: nobody gets an answer, keys do not expire meanwhile
        Thread.sleep(FAULT_MILLIS); // the length of the fault
      }
      case DEBUG_SLEEP -> debugSleep();
      case REDIS_SIGSTOP -> {
        server.signal("STOP");
        Thread.sleep(FAULT_MILLIS); // the length of the fault
        server.signal("CONT");
      }
      case CONNECTIONS_CUT -> {
        for (int i = 0; i < 5; i++) {
          server.admin().clientKill(KillArgs.Builder.typeNormal().skipme());
          server.admin().clientKill(KillArgs.Builder.typePubsub());
          Thread.sleep(FAULT_MILLIS / 5); // the pace of the cuts
        }
      }
      case JVM_SIGSTOP -> {
        Signals.send(jvm.pid(), "STOP"); // its holds outlive their leases; the other JVM takes over
        Thread.sleep(FAULT_MILLIS); // the length of the fault
        Signals.send(jvm.pid(), "CONT");
      }
    }
  }

  /** DEBUG SLEEP blocks the server's only thread; sent on a connection of its own, which answers when it is done. */
  private void debugSleep() throws Exception {
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      connection.setTimeout(Duration.ofMillis(FAULT_MILLIS + 10_000));
      connection.sync().dispatch(CommandType.DEBUG, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("SLEEP").add(Double.toString(FAULT_MILLIS / 1000.0)));
    } finally {
      client.shutdown();
    }
  }
}
