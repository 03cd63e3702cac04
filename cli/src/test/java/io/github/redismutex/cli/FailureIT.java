package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A Redis that cannot be reached, refuses, or does not answer: exit status 3, one line, never the password. */
class FailureIT {
  private static final String PASSWORD = "s3cret-Pa55";

  private static void assertOneLineWithoutPassword(Cli.Result result, String line) {
    assertThat(result.status()).isEqualTo(3);
    assertThat(result.errLines()).containsExactly(line);
    assertThat(result.out()).isEmpty();
    assertThat(result.err()).doesNotContain(PASSWORD);
  }

  @Test
  void closedPortExitsThreeWithHostAndPortOnly() {
    int port = RedisProcess.freePort();
    String uri = "redis://admin:" + PASSWORD + "@127.0.0.1:" + port;

    long start = System.nanoTime();
    Cli.Result inspect = Cli.run("inspect", "orders:42", "--uri", uri);
    Cli.Result list = Cli.run("list", "--uri", uri);

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    String line = "redis-mutex: cannot reach Redis at 127.0.0.1:" + port + ": Connection refused";
    assertOneLineWithoutPassword(inspect, line);
    assertOneLineWithoutPassword(list, line);
  }

  @Test
  void wrongPasswordExitsThreeSayingRedisRefused() {
    try (RedisProcess redis = RedisProcess.start("--requirepass", "the-right-one")) {
      Cli.Result result = Cli.run("inspect", "x", "--uri", "redis://:" + PASSWORD + "@127.0.0.1:" + redis.port());

      assertThat(result.status()).isEqualTo(3);
      assertThat(result.errLines()).singleElement().asString()
          .startsWith("redis-mutex: Redis at 127.0.0.1:" + redis.port() + " refused: WRONGPASS");
      assertThat(result.err()).doesNotContain(PASSWORD);
    }
  }

  @Test
  void serverThatNeverAnswersExitsThreeWithinTheTimeout() throws IOException {
    // The kernel completes the TCP handshake for a listening socket that never accepts: a hung Redis, as seen
    // from the client.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      Cli.Result result = Cli.run("list", "--uri", "redis://:" + PASSWORD + "@127.0.0.1:" + silent.getLocalPort());

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
      assertOneLineWithoutPassword(result,
          "redis-mutex: cannot reach Redis at 127.0.0.1:" + silent.getLocalPort() + ": no answer within 2 s");
    }
  }

  @Test
  void sentinelsThatCannotBeReachedExitThree() {
    int port = RedisProcess.freePort();

    Cli.Result result = Cli.run("inspect", "x", "--uri", "redis-sentinel://:" + PASSWORD + "@127.0.0.1:" + port
        + "#main");

    assertThat(result.status()).isEqualTo(3);
    assertThat(result.errLines()).singleElement().asString()
        .startsWith("redis-mutex: cannot reach Redis at master 'main' of the sentinels 127.0.0.1:" + port + ": ");
    assertThat(result.err()).doesNotContain(PASSWORD);
  }

  @Test
  void unknownHostExitsThree() {
    Cli.Result result = Cli.run("inspect", "x", "--uri", "redis://:" + PASSWORD + "@no-such-host.invalid:6379");

    assertOneLineWithoutPassword(result, "redis-mutex: cannot reach Redis at no-such-host.invalid:6379: unknown host");
  }
}
