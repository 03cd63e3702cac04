package io.github.redismutex.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/** What the extension promises about the servers it starts: whose they are, and that they are stopped. */
@ExtendWith(RedisExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisExtensionIT {
  /** The servers the earlier tests were given, for the later ones to look at. */
  private static final List<RedisServer> GIVEN = new ArrayList<>();

  private final RedisServer shared;
  private RedisServer fromBeforeEach;

  RedisExtensionIT(RedisServer shared) {
    this.shared = shared;
  }

  @BeforeEach
  void remember(@Dedicated(args = {"--maxclients", "100"}) RedisServer server) {
    fromBeforeEach = server;
  }

  @Test
  @Order(1)
  void aDedicatedServerIsStartedWithItsArgsAndIsTheSameForTheTestAndItsBeforeEach(
      @Dedicated(args = {"--maxclients", "100"}) RedisServer server, @Dedicated RedisServer plain) {
    assertThat(server).isSameAs(fromBeforeEach);
    assertThat(server.admin().configGet("maxclients")).containsEntry("maxclients", "100");
    assertThat(plain).as("other args, another server").isNotSameAs(server);
    assertThat(plain.port()).isNotEqualTo(shared.port());
    GIVEN.add(server);
    GIVEN.add(plain);
  }

  @Test
  @Order(2)
  void serversAreIndependentProcesses(@Servers(3) List<RedisServer> servers) {
    assertThat(servers).hasSize(3).allSatisfy(server -> assertThat(server.isRunning()).isTrue());
    assertThat(servers.stream().map(RedisServer::port).distinct()).hasSize(3);
    GIVEN.addAll(servers);
  }

  @Test
  @Order(3)
  void whatAnEarlierTestWasGivenIsStoppedAfterItAndTheSharedServerIsNot() {
    assertThat(GIVEN).hasSize(5).noneSatisfy(server -> assertThat(server.isRunning()).isTrue());
    assertThat(fromBeforeEach).as("a new one for this test").isNotIn(GIVEN);
    assertThat(shared.admin().ping()).isEqualTo("PONG");
  }

  /** A constructor's parameters are the class's: one server for all of its tests. */
  @Nested
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  class AskedForByTheConstructor {
    private static RedisServer first;
    private final RedisServer server;

    AskedForByTheConstructor(@Dedicated RedisServer server) {
      this.server = server;
    }

    @Test
    @Order(1)
    void isStartedOnce() {
      first = server;
      assertThat(server.isRunning()).isTrue();
    }

    @Test
    @Order(2)
    void andIsTheSameForTheNextTest() {
      assertThat(server).isSameAs(first);
      assertThat(server.isRunning()).isTrue();
    }
  }
}
