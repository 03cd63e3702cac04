package io.github.redismutex;

import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.github.redismutex.LockStore.Attempt;
import io.github.redismutex.LockStore.Holding;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every branch of every Lua script, sent through {@link LettuceLockStore} to a real Redis, against the contract in
 * the script's header. Each test checks what the call left in Redis, not only what it answered: a script that answers right
 * but touches the wrong key, or forgets to, fails here.
 *
 * <p>JUnit makes a new instance per test, so every test has a key prefix of its own.
 */
@ExtendWith(RedisExtension.class)
class LuaScriptsIT {
  private static final long LEASE_MILLIS = 30_000;
  /** Shorter than {@link #LEASE_MILLIS}: a key set with it shows whether a script reset its lease. */
  private static final long SHORT_TTL_MILLIS = 10_000;
  /** A condition waiter's heartbeat lease; between the other two, so each TTL shows which one set it. */
  private static final long HEARTBEAT_MILLIS = 20_000;
  /** Slack for the time between setting a TTL and reading it back. */
  private static final long SLACK_MILLIS = 2_000;
  /** The holder part of a lock key's value, as {@link LockValue#metadata} makes it; the thread name has spaces. */
  private static final String METADATA = "1700000000000 4242 test-host a thread name with spaces";

  private final RedisServer redis;
  private final String prefix = "lua-" + UUID.randomUUID() + ":";
  private final String token = "token-" + UUID.randomUUID();
  private final String otherToken = "other-" + UUID.randomUUID();
  /** Starts with {@link #token} but is another owner's: ownership is the value's "token + space" prefix. */
  private final String longerToken = token + "0";
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

  // ---- acquire.lua

  @Test
  void acquireOnAFreeKeyTakesTheFirstFencingTokenAndSetsTheValueWithTheLease() throws Exception {
    String key = key("free");
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false))).isEqualTo(Attempt.acquired(1));
    assertThat(admin().get(key)).isEqualTo(token + " 1 " + METADATA);
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("1");
  }

  @Test
  void acquireOnAFreeKeyHandsOutTheTokenAfterTheFenceCounter() throws Exception {
    String key = key("counted");
    admin().set(LockKeys.fenceKey(key), "41");
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false))).isEqualTo(Attempt.acquired(42));
    assertThat(admin().get(key)).isEqualTo(token + " 42 " + METADATA);
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("42");
  }

  @Test
  void acquireWritesLargeFencingTokensInFullNotInExponentNotation() throws Exception {
    String key = key("counted far");
    admin().set(LockKeys.fenceKey(key), "99999999999999");
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(100_000_000_000_000L));
    assertThat(admin().get(key)).isEqualTo(token + " 100000000000000 " + METADATA);
  }

  @Test
  void acquireHandsOutExactTokensPastTheRangeOfLuaNumbers() throws Exception {
    String key = key("counted beyond doubles");
    admin().set(LockKeys.fenceKey(key), "9007199254740992"); // 2^53: the next double is 2^53 + 2
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(9007199254740993L));
    assertThat(admin().get(key)).isEqualTo(token + " 9007199254740993 " + METADATA);
  }

  @Test
  void acquireLeavesTheFenceCounterWithoutExpiry() throws Exception {
    String key = key("counter");
    reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false));
    assertThat(admin().pttl(LockKeys.fenceKey(key))).isEqualTo(-1L);
  }

  @Test
  void theFenceCounterOutlivesTheLockKeySoTheNextAcquisitionGetsAHigherToken() throws Exception {
    String key = key("outlived");
    long first = reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false)).fencingToken();
    admin().del(key); // as when the lease runs out
    assertThat(admin().exists(LockKeys.fenceKey(key))).isOne();
    Attempt next = reply(store.acquire(key, otherToken, LEASE_MILLIS, METADATA, false));
    assertThat(next).isEqualTo(Attempt.acquired(first + 1));
    assertThat(admin().get(key)).isEqualTo(otherToken + " " + (first + 1) + " " + METADATA);
  }

  @Test
  void acquireWhileAnotherTokenHoldsDoesNotAdvanceTheFenceCounter() throws Exception {
    String key = key("not counted");
    admin().set(key, value(otherToken, 7), px(SHORT_TTL_MILLIS));
    admin().set(LockKeys.fenceKey(key), "7");
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, true)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("7");
  }

  @Test
  void acquireOfAKeyAlreadyHoldingTheCallersTokenAcquiresWithItsFencingTokenAndResetsTheLease() throws Exception {
    String key = key("own");
    admin().set(key, value(token, 7), px(SHORT_TTL_MILLIS));
    admin().set(LockKeys.fenceKey(key), "9"); // taken past 7 meanwhile: the answer must come from the value
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, "other metadata", false)))
        .isEqualTo(Attempt.acquired(7));
    assertThat(admin().get(key)).as("value kept").isEqualTo(value(token, 7));
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(admin().get(LockKeys.fenceKey(key))).as("counter not advanced").isEqualTo("9");
  }

  @Test
  void acquireOfAKeyHoldingAHashReportsNotALockAndChangesNothing() throws Exception {
    String key = key("hash");
    admin().hset(key, Map.of("field", "value", "other field", "other value"));
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, true))).isEqualTo(Attempt.NOT_A_LOCK);
    assertThat(admin().type(key)).isEqualTo("hash");
    assertThat(admin().hgetall(key)).isEqualTo(Map.of("field", "value", "other field", "other value"));
    assertThat(admin().pttl(key)).as("no expiry added").isEqualTo(-1L);
    assertThat(admin().exists(LockKeys.fenceKey(key), LockKeys.waitersKey(key)))
        .as("neither counted nor marked")
        .isZero();
  }

  @Test
  void acquireWhileAnotherTokenHoldsReportsItsRemainingLeaseAndLeavesIt() throws Exception {
    String key = key("taken");
    admin().set(key, value(otherToken, 3), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 3));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksTheLockAwaitedUntilALeaseAfterTheHoldersEnds() throws Exception {
    String key = key("awaited");
    admin().set(key, value(otherToken, 3), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(store.acquire(key, token, LEASE_MILLIS, METADATA, true));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(admin().exists(LockKeys.waitersKey(key))).isOne();
    assertThat(admin().pttl(LockKeys.waitersKey(key)))
        .isBetween(LEASE_MILLIS, attempt.remainingLeaseMillis() + LEASE_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksNothingWhenNotAskedTo() throws Exception {
    String key = key("unmarked");
    admin().set(key, value(otherToken, 3), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireOfAFreeKeyDoesNotMarkTheLockAwaited() throws Exception {
    String key = key("unawaited");
    reply(store.acquire(key, token, LEASE_MILLIS, METADATA, true));
    assertThat(admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryReportsMinusOneAndLeavesIt() throws Exception {
    String key = key("forever");
    admin().set(key, value(otherToken, 3));
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false))).isEqualTo(Attempt.held(-1));
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 3));
    assertThat(admin().pttl(key)).isEqualTo(-1L);
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryMarksTheLockAwaitedForOneLease() throws Exception {
    String key = key("forever awaited");
    admin().set(key, value(otherToken, 3));
    assertThat(reply(store.acquire(key, token, LEASE_MILLIS, METADATA, true))).isEqualTo(Attempt.held(-1));
    assertThat(admin().pttl(LockKeys.waitersKey(key))).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void acquireOfAValueThatOnlyStartsWithTheCallersTokenReportsItHeld() throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 5), px(SHORT_TTL_MILLIS));
    admin().set(LockKeys.fenceKey(key), "5");
    Attempt attempt = reply(store.acquire(key, token, LEASE_MILLIS, METADATA, false));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 5));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }

  // ---- release.lua

  @Test
  void releaseOfTheCallersTokenDeletesTheKeyButNotTheFenceCounter() throws Exception {
    String key = key("mine");
    admin().set(key, value(token, 4), px(LEASE_MILLIS));
    admin().set(LockKeys.fenceKey(key), "4");
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.RELEASED);
    assertThat(admin().exists(key)).isZero();
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("4");
  }

  @Test
  void releaseOfAnAwaitedLockPublishesTheReleaseAndClearsTheMark() throws Exception {
    String key = key("announced");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().subscribe(channel); // returns once Redis confirmed the subscription
    admin().set(key, value(token, 4), px(LEASE_MILLIS));
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
    admin().set(key, value(token, 4), px(LEASE_MILLIS));
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
    admin().set(key, value(otherToken, 4), px(SHORT_TTL_MILLIS));
    admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 4));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(admin().exists(LockKeys.waitersKey(key))).as("mark kept").isOne();
  }

  @Test
  void releaseOfAnAwaitedKeyAnotherTokenHoldsPublishesNothing() throws Exception {
    String key = key("taken, quietly");
    BlockingQueue<Heard> heard = listenToEveryChannel();
    admin().set(key, value(otherToken, 4), px(SHORT_TTL_MILLIS));
    admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(heardBeforeMarker(heard)).isEmpty();
  }

  @Test
  void releaseOfAValueThatOnlyStartsWithTheCallersTokenReportsTakenAndLeavesIt() throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 4), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 4));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  // ---- renew.lua

  @Test
  void renewOfAnOwnedLeaseResetsItToTheFullLease() throws Exception {
    String key = key("owned");
    admin().set(key, value(token, 2), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(true);
    assertThat(admin().get(key)).isEqualTo(value(token, 2));
    assertThat(admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void renewNeverShortensALeaseThatExtendPushedPastTheFullLease() throws Exception {
    String key = key("extended");
    admin().set(key, value(token, 2), px(LEASE_MILLIS));
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
    admin().set(key, value(otherToken, 2), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(false);
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 2));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void renewOfAValueThatOnlyStartsWithTheCallersTokenReportsItLostAndLeavesTheKey() throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 2), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(false);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 2));
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
        admin().set(lease.key, value(lease.token, i + 1), px(SHORT_TTL_MILLIS));
      } else if (i % 2 == 0) {
        admin().set(lease.key, value(otherToken, i + 1), px(SHORT_TTL_MILLIS));
      } // else: the key is gone
    }

    assertThat(reply(store.renew(leases, LEASE_MILLIS))).containsExactly(owned);

    for (int i = 0; i < count; i++) {
      String key = leases.get(i).key;
      if (owned[i]) {
        assertThat(admin().pttl(key)).as("renewed %s", key).isGreaterThan(SHORT_TTL_MILLIS);
      } else if (i % 2 == 0) {
        assertThat(admin().get(key)).as("holder of %s", key).isEqualTo(value(otherToken, i + 1));
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
    admin().set(key, value(token, 6), px(SHORT_TTL_MILLIS));
    long extended = reply(store.extend(key, token, 20_000));
    assertThat(extended).isBetween(SHORT_TTL_MILLIS + 20_000 - SLACK_MILLIS, SHORT_TTL_MILLIS + 20_000);
    assertThat(admin().pttl(key)).isBetween(extended - SLACK_MILLIS, extended);
    assertThat(admin().get(key)).isEqualTo(value(token, 6));
  }

  @Test
  void extendOfAnOwnedKeyWithoutExpiryGivesItTheAddedTime() throws Exception {
    String key = key("persisted");
    admin().set(key, value(token, 6));
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(20_000L);
    assertThat(admin().pttl(key)).isBetween(20_000 - SLACK_MILLIS, 20_000L);
  }

  @Test
  void extendOfAKeyAnotherTokenHoldsReturnsMinusOneAndChangesNothing() throws Exception {
    String key = key("taken");
    admin().set(key, value(otherToken, 6), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(-1L);
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 6));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void extendOfAValueThatOnlyStartsWithTheCallersTokenReturnsMinusOneAndChangesNothing() throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 6), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(-1L);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 6));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void extendOfAGoneKeyReturnsMinusOneAndCreatesNothing() throws Exception {
    String key = key("gone");
    assertThat(reply(store.extend(key, token, 20_000))).isEqualTo(-1L);
    assertThat(admin().exists(key)).isZero();
  }

  // ---- inspect.lua

  @Test
  void inspectOfAFreeKeyAnswersNull() throws Exception {
    String key = key("free");
    assertThat(reply(store.inspect(key))).isNull();
    assertThat(admin().exists(key)).isZero();
  }

  @Test
  void inspectOfAHeldKeyAnswersItsValueAndRemainingLease() throws Exception {
    String key = key("held");
    admin().set(key, value(otherToken, 8), px(SHORT_TTL_MILLIS));
    Holding holding = reply(store.inspect(key));
    assertThat(holding.value()).isEqualTo(value(otherToken, 8));
    assertThat(holding.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(admin().pttl(key)).as("lease untouched").isBetween(1L, holding.remainingLeaseMillis());
  }

  @Test
  void inspectOfAKeyWithoutExpiryAnswersMinusOneForTheLease() throws Exception {
    String key = key("forever");
    admin().set(key, value(otherToken, 8));
    assertThat(reply(store.inspect(key))).isEqualTo(new Holding(value(otherToken, 8), -1));
  }

  @Test
  void inspectOfAKeyHoldingAHashAnswersAnEmptyValueAndItsRemainingLease() throws Exception {
    String key = key("hash");
    admin().hset(key, Map.of("field", "value"));
    admin().pexpire(key, SHORT_TTL_MILLIS);
    Holding holding = reply(store.inspect(key));
    assertThat(holding.value()).isEmpty();
    assertThat(holding.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(admin().hgetall(key)).isEqualTo(Map.of("field", "value"));
  }

  @Test
  void inspectOfAKeyAcquireWroteReadsBackAsItsHolder() throws Exception {
    String key = key("read back");
    String metadata = LockValue.metadata(LockValue.processPart("test-host"));
    long fence = reply(store.acquire(key, token, LEASE_MILLIS, metadata, false)).fencingToken();
    Holding holding = reply(store.inspect(key));
    LockInfo info = LockValue.parse("read back", holding.value(), holding.remainingLeaseMillis());
    assertThat(info.fencingToken()).isEqualTo(fence);
    assertThat(info.host()).isEqualTo("test-host");
    assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(info.threadName()).isEqualTo(Thread.currentThread().getName());
  }

  // ---- fenced-set.lua

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 1_000_000_007})
  void fencedSetOfANeverWrittenKeyWritesWithAnyPositiveTokenAndRecordsIt(long fencingToken) throws Exception {
    String key = key("resource");
    assertThat(reply(store.fencedSet(key, "first", fencingToken))).isTrue();
    assertThat(admin().get(key)).isEqualTo("first");
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo(Long.toString(fencingToken));
  }

  @Test
  void fencedSetWithTheSameTokenAsTheLastWriteWrites() throws Exception {
    String key = key("resource");
    admin().set(key, "before");
    admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(store.fencedSet(key, "after", 5))).isTrue();
    assertThat(admin().get(key)).isEqualTo("after");
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }

  @Test
  void fencedSetWithALowerTokenThanTheLastWriteIsRejectedAndChangesNothing() throws Exception {
    String key = key("resource");
    admin().set(key, "before");
    admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(store.fencedSet(key, "stale", 4))).isFalse();
    assertThat(admin().get(key)).isEqualTo("before");
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }

  @Test
  void fencedSetComparesTokensExactlyPastTheRangeOfLuaNumbers() throws Exception {
    String key = key("resource");
    admin().set(LockKeys.fenceKey(key), "9007199254740993"); // 2^53 + 1: a double would round it down
    assertThat(reply(store.fencedSet(key, "stale", 9007199254740992L))).isFalse();
    assertThat(reply(store.fencedSet(key, "fresh", 10000000000000000L))).isTrue();
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("10000000000000000");
  }

  @Test
  void fencedSetWithAHigherTokenThanTheLastWriteWritesAndRecordsIt() throws Exception {
    String key = key("resource");
    admin().set(key, "before");
    admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(store.fencedSet(key, "after", 6))).isTrue();
    assertThat(admin().get(key)).isEqualTo("after");
    assertThat(admin().get(LockKeys.fenceKey(key))).isEqualTo("6");
  }

  // ---- condition-*.lua

  @Test
  void conditionAwaitByTheOwnerQueuesTheWaiterAtTheTailWithAWaitingStateForOneHeartbeat() throws Exception {
    String key = key("awaited on");
    admin().set(key, value(token, 3), px(SHORT_TTL_MILLIS));
    queueWaiting(key, "older");
    admin().rpush(queue(key), "dead"); // a waiter without a state key stays where it is
    assertThat(reply(store.conditionAwait(key, token, queue(key), "newer", HEARTBEAT_MILLIS))).isTrue();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("older", "dead", "newer");
    assertThat(admin().get(state(key, "newer"))).isEqualTo("waiting");
    assertThat(admin().pttl(state(key, "newer"))).isBetween(HEARTBEAT_MILLIS - SLACK_MILLIS, HEARTBEAT_MILLIS);
    assertThat(admin().get(state(key, "older"))).as("others untouched").isEqualTo("waiting");
    assertThat(admin().exists(state(key, "dead"))).isZero();
    assertThat(admin().get(key)).as("lock untouched").isEqualTo(value(token, 3));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void conditionAwaitOfTheFirstWaiterCreatesTheQueue() throws Exception {
    String key = key("first awaited");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    assertThat(reply(store.conditionAwait(key, token, queue(key), "first", HEARTBEAT_MILLIS))).isTrue();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("first");
    assertThat(admin().get(state(key, "first"))).isEqualTo("waiting");
  }

  @Test
  void conditionAwaitWhileAnotherTokenHoldsReturnsFalseAndChangesNothing() throws Exception {
    String key = key("taken");
    admin().set(key, value(otherToken, 3), px(SHORT_TTL_MILLIS));
    queueWaiting(key, "older");
    assertThat(reply(store.conditionAwait(key, token, queue(key), "newer", HEARTBEAT_MILLIS))).isFalse();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("older");
    assertThat(admin().exists(state(key, "newer"))).isZero();
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 3));
    assertThat(admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void conditionAwaitAfterTheLockKeyIsGoneReturnsFalseAndCreatesNothing() throws Exception {
    String key = key("gone");
    assertThat(reply(store.conditionAwait(key, token, queue(key), "newer", HEARTBEAT_MILLIS))).isFalse();
    assertThat(admin().keys(prefix + "*")).isEmpty();
  }

  @Test
  void conditionAwaitOfAValueThatOnlyStartsWithTheCallersTokenReturnsFalseAndCreatesNothing() throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 3), px(SHORT_TTL_MILLIS));
    assertThat(reply(store.conditionAwait(key, token, queue(key), "newer", HEARTBEAT_MILLIS))).isFalse();
    assertThat(admin().keys(prefix + "*")).containsExactly(key);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 3));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalWhileAnotherTokenHoldsReturnsMinusOneAndLeavesTheQueue(boolean all) throws Exception {
    String key = key("taken");
    admin().set(key, value(otherToken, 3), px(SHORT_TTL_MILLIS));
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(admin().get(key)).isEqualTo(value(otherToken, 3));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalAfterTheLockKeyIsGoneReturnsMinusOneAndLeavesTheQueue(boolean all) throws Exception {
    String key = key("gone");
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(admin().exists(key)).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalOfAValueThatOnlyStartsWithTheCallersTokenReturnsMinusOneAndLeavesTheQueue(boolean all)
      throws Exception {
    String key = key("prefix");
    admin().set(key, value(longerToken, 3), px(SHORT_TTL_MILLIS));
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(admin().get(key)).isEqualTo(value(longerToken, 3));
  }

  @Test
  void conditionSignalOneWakesTheOldestWaiterKeepingItsHeartbeatAndLeavesTheLaterOnesQueued() throws Exception {
    String key = key("signalled");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    queueWaiting(key, "first", "second", "third");
    BlockingQueue<Heard> heard = listenTo(channel(key, "first"), channel(key, "second"), channel(key, "third"));

    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);

    assertThat(heardBeforeMarker(heard)).containsExactly(new Heard(channel(key, "first"), "signalled"));
    assertThat(admin().get(state(key, "first"))).isEqualTo("signalled");
    assertThat(admin().pttl(state(key, "first"))).as("heartbeat kept").isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("second", "third");
    assertThat(admin().get(state(key, "second"))).isEqualTo("waiting");
    assertThat(admin().get(state(key, "third"))).isEqualTo("waiting");
  }

  @Test
  void conditionSignalOneTwiceWakesTheWaitersInTheOrderTheyCame() throws Exception {
    String key = key("in order");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    for (String waiter : List.of("first", "second", "third")) {
      assertThat(reply(store.conditionAwait(key, token, queue(key), waiter, HEARTBEAT_MILLIS))).isTrue();
    }
    BlockingQueue<Heard> heard = listenTo(channel(key, "first"), channel(key, "second"), channel(key, "third"));

    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);
    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);

    assertThat(heardBeforeMarker(heard))
        .containsExactly(
            new Heard(channel(key, "first"), "signalled"), new Heard(channel(key, "second"), "signalled"));
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("third");
    assertThat(admin().get(state(key, "third"))).isEqualTo("waiting");
  }

  @Test
  void conditionSignalOneDropsDeadWaitersAtTheHeadAndWakesTheNextLiveOne() throws Exception {
    String key = key("dead first");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    admin().rpush(queue(key), "dead", "also dead"); // their state keys lapsed: crashed processes
    queueWaiting(key, "live", "later");
    BlockingQueue<Heard> heard =
        listenTo(channel(key, "dead"), channel(key, "also dead"), channel(key, "live"), channel(key, "later"));

    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);

    assertThat(heardBeforeMarker(heard)).containsExactly(new Heard(channel(key, "live"), "signalled"));
    assertThat(admin().get(state(key, "live"))).isEqualTo("signalled");
    assertThat(admin().pttl(state(key, "live"))).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("later");
    assertThat(admin().get(state(key, "later"))).isEqualTo("waiting");
    assertThat(admin().exists(state(key, "dead"), state(key, "also dead"))).as("not brought back").isZero();
  }

  @Test
  void conditionSignalAllWakesEveryLiveWaiterInOrderDropsTheDeadAndReturnsTheCount() throws Exception {
    String key = key("all");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    queueWaiting(key, "first");
    admin().rpush(queue(key), "dead");
    queueWaiting(key, "second");
    admin().rpush(queue(key), "also dead");
    queueWaiting(key, "third");
    BlockingQueue<Heard> heard = listenToEveryChannel();

    assertThat(reply(store.conditionSignal(key, token, queue(key), true))).isEqualTo(3L);

    assertThat(heardBeforeMarker(heard))
        .containsExactly(
            new Heard(channel(key, "first"), "signalled"),
            new Heard(channel(key, "second"), "signalled"),
            new Heard(channel(key, "third"), "signalled"));
    for (String waiter : List.of("first", "second", "third")) {
      assertThat(admin().get(state(key, waiter))).as("state of %s", waiter).isEqualTo("signalled");
      assertThat(admin().pttl(state(key, waiter))).as("heartbeat of %s", waiter).isBetween(1L, SHORT_TTL_MILLIS);
    }
    assertThat(admin().exists(queue(key))).as("queue emptied").isZero();
    assertThat(admin().exists(state(key, "dead"), state(key, "also dead"))).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalWhenEveryQueuedWaiterIsDeadReturnsZeroAndEmptiesTheQueue(boolean all) throws Exception {
    String key = key("all dead");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    admin().rpush(queue(key), "dead", "also dead");
    BlockingQueue<Heard> heard = listenToEveryChannel();

    assertThat(reply(store.conditionSignal(key, token, queue(key), all))).isZero();

    assertThat(heardBeforeMarker(heard)).isEmpty();
    assertThat(admin().keys(prefix + "*")).containsExactly(key);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalOfAnEmptyQueueReturnsZeroAndIsNotRemembered(boolean all) throws Exception {
    String key = key("nobody");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    BlockingQueue<Heard> heard = listenToEveryChannel();

    assertThat(reply(store.conditionSignal(key, token, queue(key), all))).isZero();

    assertThat(heardBeforeMarker(heard)).isEmpty();
    assertThat(admin().keys(prefix + "*")).as("nothing created").containsExactly(key);
    assertThat(reply(store.conditionAwait(key, token, queue(key), "later", HEARTBEAT_MILLIS))).isTrue();
    assertThat(admin().get(state(key, "later"))).as("not woken by the earlier signal").isEqualTo("waiting");
    assertThat(reply(store.conditionLeave(key, queue(key), "later", HEARTBEAT_MILLIS))).isZero();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("later");
  }

  @Test
  void conditionHeartbeatOfAWaitingWaiterReturnsZeroAndRenewsItsState() throws Exception {
    String key = key("heartbeat");
    queueWaiting(key, "waiter");
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isZero();
    assertThat(admin().get(state(key, "waiter"))).isEqualTo("waiting");
    assertThat(admin().pttl(state(key, "waiter"))).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(admin().lrange(queue(key), 0, -1)).as("still queued").containsExactly("waiter");
  }

  @Test
  void conditionHeartbeatOfASignalledWaiterReturnsOneAndKeepsItsState() throws Exception {
    String key = key("heartbeat, signalled");
    admin().set(state(key, "waiter"), "signalled", px(SHORT_TTL_MILLIS)); // popped by the signal
    queueWaiting(key, "other");
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isEqualTo(1L);
    assertThat(admin().get(state(key, "waiter"))).isEqualTo("signalled");
    assertThat(admin().pttl(state(key, "waiter"))).isPositive();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("other");
  }

  @Test
  void conditionHeartbeatAfterTheStateKeyIsGoneReturnsMinusOneAndCreatesNothing() throws Exception {
    String key = key("heartbeat, lapsed");
    admin().rpush(queue(key), "waiter"); // its state key lapsed; signals skip it now
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isEqualTo(-1L);
    assertThat(admin().exists(state(key, "waiter"))).isZero();
    assertThat(admin().lrange(queue(key), 0, -1)).as("left to the waiter to leave").containsExactly("waiter");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void conditionLeaveOfAWaitingWaiterRemovesItWhereverItIsQueuedDeletesItsStateAndReturnsZero(int position)
      throws Exception {
    String key = key("leave");
    List<String> others = new ArrayList<>(List.of("other", "another"));
    List<String> queued = new ArrayList<>(others);
    queued.add(position, "waiter");
    queueWaiting(key, queued.toArray(String[]::new));

    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", 0))).isZero();

    assertThat(admin().lrange(queue(key), 0, -1)).containsExactlyElementsOf(others);
    assertThat(admin().exists(state(key, "waiter"))).isZero();
    assertThat(admin().get(state(key, "other"))).isEqualTo("waiting");
    assertThat(admin().get(state(key, "another"))).isEqualTo("waiting");
  }

  @Test
  void conditionLeaveOfTheOnlyWaiterLeavesNoQueueBehind() throws Exception {
    String key = key("leave alone");
    queueWaiting(key, "waiter");
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", 0))).isZero();
    assertThat(admin().keys(prefix + "*")).isEmpty();
  }

  @Test
  void conditionLeaveOfASignalledWaiterAlreadyPoppedReturnsOneAndDeletesItsState() throws Exception {
    String key = key("leave, signalled");
    admin().set(state(key, "waiter"), "signalled", px(SHORT_TTL_MILLIS));
    queueWaiting(key, "other");
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(1L);
    assertThat(admin().exists(state(key, "waiter"))).isZero();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("other");
    assertThat(admin().get(state(key, "other"))).isEqualTo("waiting");
  }

  @Test
  void conditionLeaveAfterARealSignalReturnsOneAndLeavesTheLaterWaitersQueued() throws Exception {
    String key = key("await, signal, leave");
    admin().set(key, value(token, 3), px(LEASE_MILLIS));
    assertThat(reply(store.conditionAwait(key, token, queue(key), "first", HEARTBEAT_MILLIS))).isTrue();
    assertThat(reply(store.conditionAwait(key, token, queue(key), "second", HEARTBEAT_MILLIS))).isTrue();
    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);
    assertThat(reply(store.conditionLeave(key, queue(key), "first", 0))).isEqualTo(1L);
    assertThat(reply(store.conditionLeave(key, queue(key), "second", 0))).isZero();
    assertThat(admin().keys(prefix + "*")).containsExactly(key);
  }

  @Test
  void conditionLeaveAfterTheStateKeyIsGoneRemovesTheIdAndReportsThatASignalMayHaveBeenLost() throws Exception {
    String key = key("leave, lapsed");
    admin().rpush(queue(key), "other", "waiter");
    admin().set(state(key, "other"), "waiting", px(SHORT_TTL_MILLIS));
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(-1L);
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("other");
    assertThat(admin().exists(state(key, "waiter"))).isZero();
  }

  // ---- EVALSHA, falling back to EVAL

  /** Each script is checked unloaded right before its call, so every call goes through the EVAL fallback. */
  @Test
  void everyScriptStillRunsAfterTheServerForgotItsScripts() throws Exception {
    admin().scriptFlush();
    assertThat(admin().scriptExists(allSha1s())).as("flushed").containsOnly(false);
    String key = key("flushed");

    assertUnloaded(LuaScript.ACQUIRE);
    assertThat(reply(store.acquire(key, token, SHORT_TTL_MILLIS, METADATA, false))).isEqualTo(Attempt.acquired(1));
    assertUnloaded(LuaScript.EXTEND);
    assertThat(reply(store.extend(key, token, LEASE_MILLIS))).isGreaterThan(LEASE_MILLIS);
    assertUnloaded(LuaScript.RENEW);
    assertThat(reply(store.renew(List.of(lease(key, token)), LEASE_MILLIS))).containsExactly(true);
    assertUnloaded(LuaScript.INSPECT);
    assertThat(reply(store.inspect(key)).value()).isEqualTo(value(token, 1));
    assertUnloaded(LuaScript.CONDITION_AWAIT);
    assertThat(reply(store.conditionAwait(key, token, queue(key), "waiter", HEARTBEAT_MILLIS))).isTrue();
    assertUnloaded(LuaScript.CONDITION_SIGNAL);
    assertThat(reply(store.conditionSignal(key, token, queue(key), false))).isEqualTo(1L);
    assertUnloaded(LuaScript.CONDITION_LEAVE);
    assertThat(reply(store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(1L);
    assertUnloaded(LuaScript.RELEASE);
    assertThat(reply(store.release(key, token, LockKeys.releaseChannel(key)))).isEqualTo(Release.RELEASED);
    assertUnloaded(LuaScript.FENCED_SET);
    String resource = key("flushed resource");
    assertThat(reply(store.fencedSet(resource, "written", 1))).isTrue();

    assertThat(admin().exists(key, queue(key), state(key, "waiter"))).isZero();
    assertThat(admin().get(resource)).isEqualTo("written");
    assertThat(admin().scriptExists(allSha1s())).as("loaded again by EVAL").containsOnly(true);
  }

  @Test
  void preloadScriptsLoadsEveryScript() throws Exception {
    admin().scriptFlush();
    reply(store.preloadScripts());
    assertThat(admin().scriptExists(allSha1s())).hasSize(9).containsOnly(true);
  }

  // ---- helpers

  private String key(String name) {
    return new LockKeys(prefix).lockKey(name);
  }

  /** A lock key's value as acquire.lua writes it: "<token> <fencing token> <metadata>". */
  private static String value(String token, long fencingToken) {
    return token + " " + fencingToken + " " + METADATA;
  }

  private static Lease lease(String key, String token) {
    return new Lease(key, key, token, 1, System.nanoTime());
  }

  /** All nine scripts, named one by one rather than through {@link LuaScript#ALL}, so a script left out of it shows. */
  private static String[] allSha1s() {
    return new String[] {
      LuaScript.ACQUIRE.sha1,
      LuaScript.RELEASE.sha1,
      LuaScript.RENEW.sha1,
      LuaScript.EXTEND.sha1,
      LuaScript.INSPECT.sha1,
      LuaScript.FENCED_SET.sha1,
      LuaScript.CONDITION_AWAIT.sha1,
      LuaScript.CONDITION_SIGNAL.sha1,
      LuaScript.CONDITION_LEAVE.sha1
    };
  }

  /** The queue of the condition the condition tests use, on the given lock key. */
  private static String queue(String key) {
    return LockKeys.conditionQueueKey(key, "condition");
  }

  private static String state(String key, String waiterId) {
    return LockKeys.waiterStateKey(key, waiterId);
  }

  private static String channel(String key, String waiterId) {
    return LockKeys.waiterChannel(LockKeys.waiterStateKey(key, waiterId));
  }

  /** Queues live waiters, oldest first, as condition-await.lua would, each state key with {@link #SHORT_TTL_MILLIS}. */
  private void queueWaiting(String key, String... waiterIds) {
    for (String waiterId : waiterIds) {
      admin().set(state(key, waiterId), "waiting", px(SHORT_TTL_MILLIS));
      admin().rpush(queue(key), waiterId);
    }
  }

  /** Signal by a caller that does not own the lock: refused, with the queue, states and channels left alone. */
  private void assertSignalRefusedAndQueueUntouched(String key, boolean all) throws Exception {
    queueWaiting(key, "first", "second");
    BlockingQueue<Heard> heard = listenToEveryChannel();
    assertThat(reply(store.conditionSignal(key, token, queue(key), all))).isEqualTo(-1L);
    assertThat(heardBeforeMarker(heard)).isEmpty();
    assertThat(admin().lrange(queue(key), 0, -1)).containsExactly("first", "second");
    assertThat(admin().get(state(key, "first"))).isEqualTo("waiting");
    assertThat(admin().get(state(key, "second"))).isEqualTo("waiting");
  }

  private void assertUnloaded(LuaScript script) {
    assertThat(admin().scriptExists(script.sha1)).as("%s still flushed", script).containsExactly(false);
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

  /** Subscribes to the given channels by name, as the library does, and to the marker of {@link #heardBeforeMarker}. */
  private BlockingQueue<Heard> listenTo(String... channels) {
    BlockingQueue<Heard> heard = listen();
    pubSub.sync().subscribe(channels);
    pubSub.sync().subscribe(marker());
    return heard;
  }

  private String marker() {
    return prefix + "marker";
  }

  /**
   * Publishes a marker and returns what the pattern subscription heard before it, keyspace notifications aside.
   * Redis delivers one connection's messages in order, so anything the script published arrived before the marker.
   */
  private List<Heard> heardBeforeMarker(BlockingQueue<Heard> heard) throws InterruptedException {
    String marker = marker();
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
