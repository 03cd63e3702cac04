package io.github.redismutex;

import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.redismutex.LockStore.Attempt;
import io.github.redismutex.LockStore.Release;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every branch of every Lua script (and the plain {@code SET NX PX}), sent through {@link LettuceLockStore} to a
 * real Redis. Each test checks what the call left in Redis, not only what it answered: a script that answers right
 * but touches the wrong key, or forgets to, fails here.
 *
 * <p>JUnit makes a new instance per test, so every test has a key prefix of its own.
 */
@ExtendWith(RedisExtension.class)
class LuaScriptsIT {
  private static final long LEASE_MILLIS = 30_000;
  /** Shorter than {@link #LEASE_MILLIS}: a key set with it shows whether a script reset its lease. */
  private static final long SHORT_TTL_MILLIS = 10_000;
  /** Slack for the time between setting a TTL and reading it back. */
  private static final long SLACK_MILLIS = 2_000;

  private final RedisServer redis;
  private final String prefix = "lua-" + UUID.randomUUID() + ":";
  private final String token = "token-" + UUID.randomUUID();
  private final String otherToken = "other-" + UUID.randomUUID();
  private RedisClient client;
  private StatefulRedisConnection<String, String> connection;
  private StatefulRedisPubSubConnection<String, String> pubSub; // opened by the tests that listen
  private LettuceLockStore store;

  LuaScriptsIT(RedisServer redis) {
    this.redis = redis;
  }

  @BeforeEach
  void connect() {
    client = RedisClient.create(redis.uri());
    connection = client.connect();
    store = new LettuceLockStore(connection.async());
  }

  @AfterEach
  void close() {
    if (pubSub != null) {
      pubSub.close();
    }
    connection.close();
    client.shutdown();
  }

  // ---- trySet: SET NX PX

  @Test
  void trySetOnAFreeKeySetsTheTokenWithTheLease() throws Exception {
    String key = key("free");
    assertThat(reply(store.trySet(key, token, LEASE_MILLIS))).isTrue();
    assertThat(admin().get(key)).isEqualTo(token);
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void trySetOnAHeldKeyFailsAndLeavesTheHolder() throws Exception {
    String key = key("held");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.trySet(key, token, LEASE_MILLIS))).isFalse();
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  // ---- acquire.lua

  @Test
  void acquireOnAFreeKeySetsTheTokenWithTheLease() throws Exception {
    String key = key("free");
    assertThat(reply(store.acquireOrInspect(key, token, LEASE_MILLIS))).isEqualTo(Attempt.ACQUIRED);
    assertThat(admin().get(key)).isEqualTo(token);
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void acquireOfAKeyAlreadyHoldingTheCallersTokenAcquiresAndResetsTheLease() throws Exception {
    String key = key("own");
    admin().set(key, token, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.acquireOrInspect(key, token, LEASE_MILLIS))).isEqualTo(Attempt.ACQUIRED);
    assertThat(admin().get(key)).isEqualTo(token);
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void acquireOfAKeyHoldingAHashReportsNotALockAndLeavesTheHash() throws Exception {
    String key = key("hash");
    admin().hset(key, Map.of("field", "value", "other field", "other value"));
    assertThat(reply(store.acquireOrInspect(key, token, LEASE_MILLIS))).isEqualTo(Attempt.NOT_A_LOCK);
    assertThat(admin().type(key)).isEqualTo("hash");
    assertThat(admin().hgetall(key)).isEqualTo(Map.of("field", "value", "other field", "other value"));
    assertThat(admin().pttl(key)).as("no expiry added").isEqualTo(-1L);
  }

  @Test
  void acquireWhileAnotherTokenHoldsReportsItsRemainingLeaseAndLeavesIt() throws Exception {
    String key = key("taken");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(store.acquireOrInspect(key, token, LEASE_MILLIS));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksTheLockAwaitedUntilALeaseAfterTheHoldersEnds() throws Exception {
    String key = key("awaited");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    reply(store.acquireOrInspect(key, token, LEASE_MILLIS));
    assertThat(admin().exists(LockKeys.waitersKey(key))).isOne();
    assertThat(admin().pttl(LockKeys.waitersKey(key)))
        .isBetween(LEASE_MILLIS, SHORT_TTL_MILLIS + LEASE_MILLIS);
  }

  @Test
  void acquireOfAFreeKeyDoesNotMarkTheLockAwaited() throws Exception {
    String key = key("unawaited");
    reply(store.acquireOrInspect(key, token, LEASE_MILLIS));
    assertThat(admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryReportsMinusOneAndLeavesIt() throws Exception {
    String key = key("forever");
    admin().set(key, otherToken);
    assertThat(reply(store.acquireOrInspect(key, token, LEASE_MILLIS))).isEqualTo(Attempt.held(-1));
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isEqualTo(-1L);
  }

  // ---- release.lua

  @Test
  void releaseOfTheCallersTokenDeletesTheKey() throws Exception {
    String key = key("mine");
    admin().set(key, token, px(LEASE_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.RELEASED);
    assertThat(admin().exists(key)).isZero();
  }

  @Test
  void releaseOfAnAwaitedLockPublishesTheReleaseAndClearsTheMark() throws Exception {
    String key = key("announced");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().subscribe(channel); // returns once Redis confirmed the subscription
    admin().set(key, token, px(LEASE_MILLIS));
    admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(store.release(key, token, channel))).isEqualTo(Release.RELEASED);
    Heard message = heard.poll(5, TimeUnit.SECONDS);
    assertThat(message).as("message on %s", channel).isNotNull();
    assertThat(message.channel()).isEqualTo(channel);
    assertThat(admin().exists(key, LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void releaseOfALockNobodyAwaitsPublishesNothing() throws Exception {
    String key = key("silent");
    BlockingQueue<Heard> heard = listenToEveryChannel();
    admin().set(key, token, px(LEASE_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.RELEASED);
    assertThat(heardBeforeMarker(heard)).isEmpty();
    assertThat(admin().exists(key)).isZero();
  }

  @Test
  void releaseAfterTheKeyIsGoneReportsExpiredAndCreatesNothing() throws Exception {
    String key = key("gone");
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.EXPIRED);
    assertThat(admin().exists(key)).isZero();
  }

  @Test
  void releaseOfAKeyAnotherTokenHoldsReportsTakenAndLeavesIt() throws Exception {
    String key = key("taken");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void releaseOfAKeyAnotherTokenHoldsPublishesNothing() throws Exception {
    String key = key("taken, quietly");
    BlockingQueue<Heard> heard = listenToEveryChannel();
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(heardBeforeMarker(heard)).isEmpty();
  }

  // ---- renew.lua

  @Test
  void renewOfAnOwnedLeaseResetsItToTheFullLease() throws Exception {
    String key = key("owned");
    admin().set(key, token, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(true);
    assertThat(admin().get(key)).isEqualTo(token);
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void renewNeverShortensALeaseThatExtendPushedPastTheFullLease() throws Exception {
    String key = key("extended");
    admin().set(key, token, px(LEASE_MILLIS));
    long extended = reply(store.extend(key, token, LEASE_MILLIS));
    assertThat(extended).isGreaterThan(LEASE_MILLIS + SLACK_MILLIS);
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(true);
    assertThat(admin().pttl(key)).isBetween(extended - SLACK_MILLIS, extended);
  }

  @Test
  void renewOfALeaseWhoseKeyIsGoneReportsItLostAndCreatesNothing() throws Exception {
    String key = key("gone");
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(false);
    assertThat(admin().exists(key)).isZero();
  }

  @Test
  void renewOfALeaseAnotherTokenHoldsReportsItLostAndLeavesTheKey() throws Exception {
    String key = key("taken");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(false);
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  /**
   * More leases than one renew.lua call takes, so the store splits them into batches. Owned and lost leases
   * alternate aperiodically (Thue-Morse), and each lease has its own token, so an answer put at the wrong index, a
   * batch offset by a few keys or a token paired with the wrong key all give a wrong answer somewhere.
   */
  @Test
  void renewOfMoreLeasesThanOneBatchAnswersForEachInOrder() throws Exception {
    int count = 2 * LettuceLockStore.RENEW_BATCH + LettuceLockStore.RENEW_BATCH / 2; // 250
    List<Lease> leases = new ArrayList<>(count);
    boolean[] owned = new boolean[count];
    for (int i = 0; i < count; i++) {
      Lease lease = lease(key("batch-" + i), token + "-" + i);
      leases.add(lease);
      owned[i] = Integer.bitCount(i) % 2 == 0;
      if (owned[i]) {
        admin().set(lease.key, lease.token, px(SHORT_TTL_MILLIS));
      } else if (i % 2 == 0) {
        admin().set(lease.key, otherToken, px(SHORT_TTL_MILLIS));
      } // else: the key is gone
    }

    assertThat(reply(store.renew(leases, LEASE_MILLIS))).containsExactly(owned);

    for (int i = 0; i < count; i++) {
      String key = leases.get(i).key;
      if (owned[i]) {
        assertThat(admin().pttl(key)).as("renewed %s", key).isGreaterThan(SHORT_TTL_MILLIS);
      } else if (i % 2 == 0) {
        assertThat(admin().get(key)).as("holder of %s", key).isEqualTo(otherToken);
        assertThat(admin().pttl(key)).as("untouched %s", key).isBetween(1L, SHORT_TTL_MILLIS);
      } else {
        assertThat(admin().exists(key)).as("still gone: %s", key).isZero();
      }
    }
  }

  // ---- extend.lua

  @Test
  void extendOfAnOwnedLeaseAddsToTheRemainingTime() throws Exception {
    String key = key("owned");
    admin().set(key, token, px(SHORT_TTL_MILLIS));
    long extended = reply(store.extend(key, token, 20_000));
    assertThat(extended).isBetween(SHORT_TTL_MILLIS + 20_000 - SLACK_MILLIS, SHORT_TTL_MILLIS + 20_000);
    assertThat(admin().pttl(key)).isBetween(extended - SLACK_MILLIS, extended);
    assertThat(admin().get(key)).isEqualTo(token);
  }

  @Test
  void extendOfAnOwnedKeyWithoutExpiryGivesItTheAddedTime() throws Exception {
    String key = key("persisted");
    admin().set(key, token);
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(20_000L);
    assertThat(admin().pttl(key)).isBetween(20_000 - SLACK_MILLIS, 20_000L);
  }

  @Test
  void extendOfAKeyAnotherTokenHoldsReturnsMinusOneAndChangesNothing() throws Exception {
    String key = key("taken");
    admin().set(key, otherToken, px(SHORT_TTL_MILLIS));
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(-1L);
    assertThat(admin().get(key)).isEqualTo(otherToken);
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void extendOfAGoneKeyReturnsMinusOneAndCreatesNothing() throws Exception {
    String key = key("gone");
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(-1L);
    assertThat(admin().exists(key)).isZero();
  }

  // ---- EVALSHA, falling back to EVAL

  @Test
  void everyScriptStillRunsAfterTheServerForgotItsScripts() throws Exception {
    admin().scriptFlush();
    assertThat(admin().scriptExists(allSha1s())).as("flushed").containsOnly(false);
    String key = key("flushed");

    assertThat(reply(store.acquireOrInspect(key, token, SHORT_TTL_MILLIS))).isEqualTo(Attempt.ACQUIRED);
    assertThat(reply(store.extend(key, token, LEASE_MILLIS))).isGreaterThan(LEASE_MILLIS);
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(true);
    assertThat(admin().get(key)).isEqualTo(token);
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.RELEASED);

    assertThat(admin().exists(key)).isZero();
    assertThat(admin().scriptExists(allSha1s())).as("loaded again by EVAL").containsOnly(true);
  }

  @Test
  void preloadScriptsLoadsEveryScript() throws Exception {
    admin().scriptFlush();
    reply(store.preloadScripts());
    assertThat(admin().scriptExists(allSha1s())).containsOnly(true);
  }

  // ---- helpers

  private String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  private static Lease lease(String key, String token) {
    return new Lease(key, token, System.nanoTime());
  }

  private static String[] allSha1s() {
    return new String[] {LuaScript.ACQUIRE.sha1, LuaScript.RELEASE.sha1, LuaScript.RENEW.sha1, LuaScript.EXTEND.sha1};
  }

  private RedisCommands<String, String> admin() {
    return redis.admin();
  }

  private static <T> T reply(CompletionStage<T> reply) throws Exception {
    return reply.toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private record Heard(String channel, String message) {}

  /** Opens the pub/sub connection; what it hears lands in the returned queue, in the order Redis sent it. */
  private BlockingQueue<Heard> listen() {
    BlockingQueue<Heard> heard = new LinkedBlockingQueue<>();
    pubSub = client.connectPubSub();
    pubSub.addListener(
        new RedisPubSubAdapter<>() {
          @Override
          public void message(String channel, String message) {
            heard.add(new Heard(channel, message));
          }

          @Override
          public void message(String pattern, String channel, String message) {
            heard.add(new Heard(channel, message));
          }
        });
    return heard;
  }

  /** Listens to every channel, the empty channel name (which {@code *} does not match) included. */
  private BlockingQueue<Heard> listenToEveryChannel() {
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().psubscribe("*");
    pubSub.sync().subscribe("");
    return heard;
  }

  /**
   * Publishes a marker and returns what the pattern subscription heard before it, keyspace notifications aside.
   * Redis delivers one connection's messages in order, so anything the script published arrived before the marker.
   */
  private List<Heard> heardBeforeMarker(BlockingQueue<Heard> heard) throws InterruptedException {
    String marker = prefix + "marker";
    admin().publish(marker, "marker");
    List<Heard> before = new ArrayList<>();
    while (true) {
      Heard next = heard.poll(5, TimeUnit.SECONDS);
      if (next == null) {
        return fail("the marker published on %s never arrived; heard %s", marker, before);
      }
      if (next.channel().equals(marker)) {
        return before;
      }
      if (!next.channel().startsWith("__keyspace@") && !next.channel().startsWith("__keyevent@")) {
        before.add(next);
      }
    }
  }
}
