package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ACL that docs/deployments.md gives as the library's minimum is enough for every operation: lock, wait,
 * hand-over between processes, extend, inspect, fencing tokens, conditions and fenced writes; with and without the
 * optional CONFIG permissions. The rules are read from that page, so the page and the library cannot drift apart.
 */
@ExtendWith(RedisExtension.class)
class AclIT {
  private static final Path DEPLOYMENTS_PAGE = Path.of("..", "docs", "deployments.md");

  private final RedisServer redis;
  private final String prefix = "acl-" + UUID.randomUUID() + ":";
  private final List<RedisLocks> opened = new ArrayList<>();
  private final ExecutorService threads = Executors.newCachedThreadPool();

  AclIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    opened.forEach(RedisLocks::close);
  }

  /** The command rules of the page's ACL block: the lines that start with '+', the CONFIG line only if asked. */
  private static List<String> documentedRules(boolean withConfig) throws Exception {
    List<String> rules = new ArrayList<>();
    boolean inBlock = false;
    for (String line : Files.readAllLines(DEPLOYMENTS_PAGE)) {
      if (line.startsWith("```")) {
        inBlock = !inBlock;
        continue;
      }
      if (!inBlock || !line.startsWith("+") || (!withConfig && line.contains("config|"))) {
        continue;
      }
      for (String token : line.split("\\s+")) {
        if (token.startsWith("+")) {
          rules.add(token);
        }
      }
    }
    assertThat(rules).as("the ACL block of %s", DEPLOYMENTS_PAGE).contains("+evalsha", "+subscribe");
    return rules;
  }

  private String userWith(List<String> rules) {
    String user = "locker-" + UUID.randomUUID().toString().substring(0, 8);
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(user).add("on")
        .add(">pw").add("~" + prefix + "*").add("~{" + prefix + "*").add("&" + prefix + "*")
        .add("&__keyspace@*__:" + prefix + "*");
    rules.forEach(args::add);
    assertThat(redis.admin().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args))
        .isEqualTo("OK");
    return user;
  }

  private RedisLocks connectAs(String user) {
    RedisLocks locks = RedisLocks.builder().uri("redis://" + user + ":pw@127.0.0.1:" + redis.port())
        .keyPrefix(prefix).leaseTime(Duration.ofSeconds(2)).build();
    opened.add(locks);
    return locks;
  }

  @ParameterizedTest(name = "with CONFIG: {0}")
  @ValueSource(booleans = {false, true})
  void everyOperationWorksWithTheDocumentedPermissions(boolean withConfig) throws Exception {
    String user = userWith(documentedRules(withConfig));
    RedisLocks holder = connectAs(user);
    RedisLocks waiter = connectAs(user);

    RedisMutex lock = holder.mutex("account");
    lock.lock();
    assertThat(lock.extend(Duration.ofSeconds(1))).isTrue();
    long token = lock.fencingToken();
    assertThat(holder.fencedSet("{" + prefix + "balance}", "100", token)).isTrue();
    assertThat(holder.inspect("account")).hasValueSatisfying(info -> assertThat(info.fencingToken()).isEqualTo(token));
    Future<Boolean> waiting = threads.submit(() -> { // a waiter of another process, handed the lock directly
      RedisMutex theirs = waiter.mutex("account");
      theirs.lock();
      theirs.unlock();
      return true;
    });
    await().atMost(Duration.ofSeconds(5)).until(() -> waiter.subscribedChannelCount() > 0);
    lock.unlock();
    assertThat(waiting.get(10, TimeUnit.SECONDS)).isTrue();

    RedisMutex guarded = holder.mutex("queue");
    Condition ready = guarded.newCondition("ready");
    guarded.lock();
    Future<Boolean> signalled = threads.submit(() -> {
      RedisMutex theirs = waiter.mutex("queue");
      theirs.lock();
      try {
        theirs.newCondition("ready").signal();
      } finally {
        theirs.unlock();
      }
      return true;
    });
    assertThat(ready.await(10, TimeUnit.SECONDS)).as("signalled across instances").isTrue();
    guarded.unlock();
    assertThat(signalled.get(10, TimeUnit.SECONDS)).isTrue();
  }
}
