package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Clients;
import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A Lettuce client the application lends is never reconfigured, yet the locks behave as with the library's own:
 * calls fail fast while Redis is down (not after a command timeout of queued commands), and work again once it is
 * back. What the library cannot make up for (a client that never reconnects, or that waits seconds between
 * reconnects) is warned about at build. Each test has a server of its own.
 */
@ExtendWith(RedisExtension.class)
class BorrowedClientIT {
  private final String prefix = "borrowed-" + UUID.randomUUID() + ":";
  private RedisServer server;
  private ClientResources resources;
  private RedisClient client;

  @BeforeEach
  void start(@Dedicated RedisServer server) {
    this.server = server;
  }

  @AfterEach
  void stop() {
    if (client != null) {
      Clients.shutdown(client);
    }
    if (resources != null) {
      resources.shutdown(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
  }

  /** The application's client: Lettuce's defaults (commands queued while disconnected), a quick reconnect. */
  private RedisClient applicationsClient() {
    resources = ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofMillis(500), 2, TimeUnit.MILLISECONDS))
        .build();
    client = RedisClient.create(resources, RedisURI.create(server.uri()));
    return client;
  }

  @Test
  void whileRedisIsDownCallsFailAtOnceAndOnceItIsBackTheyWork() throws Exception {
    RedisClient borrowed = applicationsClient();
    assertThat(borrowed.getOptions().getDisconnectedBehavior())
        .isEqualTo(ClientOptions.DisconnectedBehavior.DEFAULT); // queues commands while disconnected
    try (RedisLocks locks = RedisLocks.builder().client(borrowed).keyPrefix(prefix).build()) {
      RedisMutex lock = locks.mutex("borrowed");
      server.kill();
      // Until Lettuce notices the closed socket, a command may still be written to it (and queued for the
      // reconnect): wait for the first call that hears of the outage.
      // each look is a call, queued while Lettuce has not noticed: one every 100 ms, not the suite's 10 ms
      await().pollInSameThread().pollInterval(Duration.ofMillis(100)).atMost(Duration.ofSeconds(10)).until(() -> {
        try {
          lock.tryLock();
          return false;
        } catch (RedisConnectionException e) {
          return true;
        }
      });
      long start = System.nanoTime();
      assertThatThrownBy(lock::tryLock).isInstanceOf(RedisConnectionException.class);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("not the 2 s command timeout")
          .isLessThan(500);
      assertThat(lock.tryLock(200, TimeUnit.MILLISECONDS)).isFalse();
      server.start();
      long restartedAt = System.nanoTime();
      await().pollInSameThread().pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .atMost(Duration.ofSeconds(10)).until(lock::tryLock);
      System.out.printf("with a borrowed client, a lock was acquired %d ms after the restart%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));
      lock.unlock();
    }
    assertThat(borrowed.connect().sync().ping()).as("the borrowed client is still the application's").isEqualTo("PONG");
  }

  @Test
  void aClientThatNeverReconnectsOrWaitsLongBetweenAttemptsIsWarnedAbout() {
    RedisClient slow = RedisClient.create(server.uri()); // Lettuce's default reconnect delay grows to 30 s
    try {
      slow.setOptions(ClientOptions.builder().autoReconnect(false).build());
      assertThat(BorrowedClients.check(slow, slow.getOptions()))
          .anySatisfy(warning -> assertThat(warning).contains("autoReconnect"))
          .anySatisfy(warning -> assertThat(warning).contains("reconnectDelay"));
      assertThat(BorrowedClients.check(applicationsClient(), client.getOptions())).isEmpty();
    } finally {
      Clients.shutdown(slow);
    }
  }
}
