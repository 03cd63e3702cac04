package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.history.History;
import io.github.redismutex.history.WorkloadRun;
import io.github.redismutex.support.Clients;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.HolderThread;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The server turning clients away or running out of room: connections killed by the server, {@code maxclients}
 * reached, memory full with {@code noeviction}, and an {@code allkeys-lru} policy that evicts lock keys.
 */
@ExtendWith(RedisExtension.class)
class ServerLimitsIT {
  private static final Duration LEASE = Duration.ofSeconds(1);
  private final String prefix = "limits-" + UUID.randomUUID() + ":";

  @Test
  void connectionsKilledByTheServerFourTimesASecondLoseNoLockAndHangNoWaiter(
      @Dedicated RedisServer server) throws Exception {
    try (WorkloadRun run = WorkloadRun.forFaultTest("client-kill", LEASE)) {
      run.startClient(server.uri());
      run.startClient(server.uri());
      run.awaitEveryClientOnEveryName(History.nowMicros()); // the kills meet a running load
      for (int i = 0; i < 12; i++) {
        server.admin().clientKill(i % 2 == 0 ? KillArgs.Builder.typeNormal().skipme() : KillArgs.Builder.typePubsub());
        Thread.sleep(250); // the pace of the fault: four kills a second
      }
      run.awaitEveryClientOnEveryName(History.nowMicros()); // every client back on every lock
      WorkloadRun.Result result = run.stop(Duration.ofSeconds(10));
      long acquireAll = run.acquireEveryName(server.uri(), LEASE.plusSeconds(5));
      System.out.printf("CLIENT KILL every 250 ms for 3 s: %s; every name acquired again in %d ms%n", result,
          acquireAll);
      result.assertSafe();
    } // the run's clients are closed here
    WorkloadRun.assertServerHasNoClientsLeft(server.admin());
  }

  @Test
  void connectingWhileMaxclientsIsReachedFailsWithTheServersReasonAndWorksOnceASlotIsFree(
      @Dedicated(args = {"--maxclients", "16"}) RedisServer server) throws Exception {
    List<Socket> sockets = new ArrayList<>();
    try {
      server.admin(); // the test's own connection takes a slot too
      for (Socket socket = pingingSocket(server.port()); socket != null; socket = pingingSocket(server.port())) {
        sockets.add(socket); // raw connections until the server turns one away
      }
      assertThat(sockets).hasSize(15);
      long start = System.nanoTime();
      Throwable refused = catchThrowable(() -> RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build().close());
      long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      System.out.printf("build() at maxclients failed after %d ms with: %s%n", tookMillis, refused);
      assertThat(refused).isInstanceOf(RedisException.class);
      assertThat(messages(refused)).contains("max number of clients reached");
      assertThat(tookMillis).as("within the connect and command timeouts").isLessThan(12_000);

      closeAll(sockets.subList(0, 2)); // a command and a pub/sub connection
      try (RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).build()) {
        RedisMutex lock = locks.mutex("after maxclients");
        assertThat(lock.tryLock()).isTrue();
        lock.unlock();
      }
    } finally {
      closeAll(sockets);
    }
  }

  @Test
  void lockWaitsWhileMaxclientsKeepsItsReconnectsOutAndAcquiresOnceTheLimitIsRaised(
      @Dedicated RedisServer server) throws Exception {
    try (RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build()) {
      RedisCommands<String, String> admin = server.admin();
      // in one step, so that no reconnect slips in between: the library's connections go, and the limit stays at
      // the one connection left (the test's own)
      admin.multi();
      admin.clientKill(KillArgs.Builder.typeNormal().skipme());
      admin.clientKill(KillArgs.Builder.typePubsub());
      admin.configSet("maxclients", "1");
      admin.exec();

      long start = System.nanoTime();
      assertThat(locks.mutex("crowded").tryLock(300, TimeUnit.MILLISECONDS)).isFalse();
      long tryLockMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      long refusedBefore = rejectedConnections(admin);
      try (HolderThread waiting = HolderThread.lock(locks.mutex("crowded"))) {
        // lock() waits on while the server turns the library's reconnects away
        await().atMost(Duration.ofSeconds(10)).until(() -> rejectedConnections(admin) >= refusedBefore + 2);
        assertThat(waiting.isAcquired()).isFalse();
        long raisedAt = System.nanoTime();
        admin.configSet("maxclients", "10000");
        long recoveryMillis = TimeUnit.NANOSECONDS.toMillis(waiting.awaitAcquired(10) - raisedAt);
        System.out.printf("maxclients: tryLock(300 ms) returned false after %d ms; lock() acquired %d ms after the"
            + " limit was raised%n", tryLockMillis, recoveryMillis);
        assertThat(tryLockMillis).isLessThan(300 + WorkloadRun.ALLOWED_LATENESS_MILLIS);
        assertThat(recoveryMillis).as("Lettuce reconnects within its 1 s back-off").isLessThan(3_000);
        assertThat(waiting.release(10)).isNull();
      }
    }
  }

  @Test
  void withMemoryFullAndNoevictionAcquisitionFailsWithAnOomErrorAndWorksAgainOnceMemoryIsFreed(
      @Dedicated(args = {"--maxmemory", "3mb", "--maxmemory-policy", "noeviction"}) RedisServer server)
      throws Exception {
    try (RedisLocks locks = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build();
        HolderThread holder = HolderThread.lock(locks.mutex("held while full"))) {
      holder.awaitAcquired(10);
      int junk = fill(server.admin(), () -> false);
      // A refused batch frees its own query buffer, leaving room for small writes again: pin the limit below what
      // is used now, so that every write that needs memory is refused
      long used = Long.parseLong(server.admin().info("memory").replaceAll("(?s).*used_memory:(\\d+).*", "$1"));
      server.admin().configSet("maxmemory", Long.toString(used - 256 * 1024));

      RedisMutex free = locks.mutex("free while full");
      long start = System.nanoTime();
      Throwable tryLock = catchThrowable(() -> free.tryLock(500, TimeUnit.MILLISECONDS));
      long tryLockMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      Throwable lock = catchThrowable(free::lock);
      System.out.printf("memory full (%d junk keys): tryLock(500 ms) threw after %d ms: %s; lock() threw: %s%n", junk,
          tryLockMillis, tryLock, lock);
      assertThat(tryLock).isInstanceOf(RedisException.class).hasMessageContaining("OOM");
      assertThat(lock).isInstanceOf(RedisException.class).hasMessageContaining("OOM");
      assertThat(tryLockMillis).as("an error reply, not a wait").isLessThan(500);
      assertThat(free.isHeldByCurrentThread()).isFalse();
      assertThat(server.admin().exists(locks.keyOf("free while full"))).as("no key was written").isZero();
      assertThat(locks.localLockCount()).as("only the held lock").isEqualTo(1);

      // Three renewals while full, a lease's worth of them: renewals are PEXPIREs, which need no memory
      long renewalsBefore = server.commandCalls().getOrDefault("pexpire", 0L);
      await().atMost(Duration.ofSeconds(10))
          .until(() -> server.commandCalls().getOrDefault("pexpire", 0L) >= renewalsBefore + 3);
      assertThat(server.admin().exists(locks.keyOf("held while full"))).as("the held lock's key").isOne();
      assertThat(holder.leaseInvalidAtNanos()).as("the holder's lease survived full memory").isZero();
      assertThat(holder.release(10)).as("unlock (a DEL) works while full").isNull();

      server.admin().configSet("maxmemory", "3mb");
      for (int i = 0; i < junk; i += 1_000) {
        server.admin().del(junkKeys(i, Math.min(i + 1_000, junk)));
      }
      assertThat(free.tryLock()).isTrue();
      free.unlock();
    }
  }

  @ParameterizedTest
  @CsvSource({"allkeys-lru, true", "volatile-ttl, true", "allkeys-random, true", "noeviction, false"})
  void aPolicyThatCanEvictLockKeysIsWarnedAboutAtConnect(String policy, boolean warned,
      @Dedicated RedisServer server) {
    server.admin().configSet("maxmemory-policy", policy); // what the library reads at connect, as --maxmemory-policy
    RedisClient client = RedisClient.create(server.uri());
    try (StatefulRedisConnection<String, String> connection = client.connect()) {
      assertThat(RedisConnections.warnIfLocksCanBeEvicted(connection)).isEqualTo(warned);
    } finally {
      Clients.shutdown(client);
    }
  }

  /**
   * The danger the README warns of, shown: an {@code allkeys-*} policy evicts a held lock's key, a second client
   * acquires the lock while the first still holds it, and the first learns so only at its next renewal (within a
   * third of the lease). If the fencing counter is evicted too, the second holder's token is not higher either.
   */
  @Test
  void anAllkeysLruPolicyEvictsAHeldLockAndTheHolderLearnsOfItAtItsNextRenewal(
      @Dedicated(args = {"--maxmemory", "3mb", "--maxmemory-policy", "allkeys-lru"}) RedisServer server)
      throws Exception {
    try (RedisLocks first = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build();
        RedisLocks second = RedisLocks.builder().uri(server.uri()).keyPrefix(prefix).leaseTime(LEASE).build();
        HolderThread holder = HolderThread.lock(first.mutex("evictable"))) {
      long holderAcquiredAt = holder.awaitAcquired(10);
      String key = first.keyOf("evictable");
      long firstToken = first.inspect("evictable").orElseThrow().fencingToken();
      int junk = fill(server.admin(), () -> server.admin().exists(key) == 0);
      long evictedAt = System.nanoTime();
      assertThat(server.admin().exists(key)).as("lock key evicted after %d junk keys", junk).isZero();

      RedisMutex stolen = second.mutex("evictable");
      assertThat(stolen.tryLock()).as("a second holder gets the evicted lock").isTrue();
      long secondAcquiredAt = System.nanoTime();
      long secondToken = stolen.fencingToken();
      await().atMost(Duration.ofSeconds(5)).until(() -> holder.leaseInvalidAtNanos() != 0);
      long detectedAfter = TimeUnit.NANOSECONDS.toMillis(holder.leaseInvalidAtNanos() - evictedAt);
      long doubleHeld = TimeUnit.NANOSECONDS.toMillis(holder.leaseInvalidAtNanos() - secondAcquiredAt);
      System.out.printf("allkeys-lru: lock key evicted %d ms after acquisition (%d junk keys); the holder saw its lease"
              + " lost %d ms after the eviction; both believed they held the lock for %d ms; tokens %d then %d (%s)%n",
          TimeUnit.NANOSECONDS.toMillis(evictedAt - holderAcquiredAt), junk, detectedAfter, doubleHeld, firstToken,
          secondToken, secondToken > firstToken ? "fencing still works" : "fencing counter was evicted too");
      assertThat(detectedAfter).as("found lost at the next renewal").isLessThan(LEASE.toMillis() / 3 + 500);
      assertThat(holder.release(10)).isInstanceOf(LeaseExpiredException.class);
      stolen.unlock();
    }
  }

  /** Connections the server turned away since it started ({@code INFO stats}: maxclients reached). */
  private static long rejectedConnections(RedisCommands<String, String> admin) {
    return Long.parseLong(admin.info("stats").replaceAll("(?s).*rejected_connections:(\\d+).*", "$1"));
  }

  /** Writes 1 KB junk keys, 100 a round, until the server refuses with OOM or {@code done} says so. */
  private static int fill(RedisCommands<String, String> admin, BooleanSupplier done) {
    String value = "x".repeat(1024);
    int written = 0;
    while (written < 200_000 && !done.getAsBoolean()) {
      Map<String, String> batch = new HashMap<>();
      for (String key : junkKeys(written, written + 100)) {
        batch.put(key, value);
      }
      try {
        admin.mset(batch);
      } catch (RedisException e) {
        assertThat(e).hasMessageContaining("OOM");
        return written;
      }
      written += 100;
    }
    return written;
  }

  private static String[] junkKeys(int from, int to) {
    String[] keys = new String[to - from];
    for (int i = from; i < to; i++) {
      keys[i - from] = "junk:" + i;
    }
    return keys;
  }

  /** A raw connection that got PONG, or null if the server turned it away. */
  private static Socket pingingSocket(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    socket.setSoTimeout(2_000);
    socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
    InputStream in = socket.getInputStream();
    byte[] reply = new byte[128];
    int n = in.read(reply);
    if (n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG")) {
      return socket;
    }
    socket.close();
    return null;
  }

  private static void closeAll(List<Socket> sockets) throws IOException {
    for (Socket socket : List.copyOf(sockets)) {
      socket.close();
    }
    sockets.clear();
  }

  private static String messages(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable cause = t; cause != null; cause = cause.getCause()) {
      all.append(cause.getMessage()).append(" / ");
    }
    return all.toString();
  }
}
