package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.METADATA;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.SLACK_MILLIS;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockStore.Attempt;
import io.github.redismutex.support.RedisExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Acquisition attempts: the first one ({@code SET NX PX GET}, not marking) and the marking ones (acquire.lua):
 * taking a free lock, re-entering an owned one, reporting (and marking awaited) one that another token holds, and
 * the give-way marker that release.lua leaves.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class AcquireScriptIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- the first attempt: SET NX PX GET

  @Test
  void firstAttemptOnAFreeKeySetsTheValueWithTheLeaseAndNoFencingToken() throws Exception {
    String key = fixture.key("free");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)))
        .isEqualTo(Attempt.acquired(0));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 0 " + METADATA);
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().exists(LockKeys.fenceKey(key), LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void firstAttemptWhileAnotherTokenHoldsReportsItHeldAndChangesNothing() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).as("not marked").isZero();
  }

  @Test
  void firstAttemptOnAKeyHoldingTheCallersTokenReportsItHeldForTheMarkingAttemptToSortOut() throws Exception {
    String key = fixture.key("own");
    fixture.admin().set(key, value(fixture.token, 0), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().pttl(key)).as("lease not reset").isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void firstAttemptOnAKeyHoldingAHashReportsNotALockAndChangesNothing() throws Exception {
    String key = fixture.key("hash");
    fixture.admin().hset(key, Map.of("field", "value"));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)))
        .isEqualTo(Attempt.NOT_A_LOCK);
    assertThat(fixture.admin().hgetall(key)).isEqualTo(Map.of("field", "value"));
    assertThat(fixture.admin().pttl(key)).as("no expiry added").isEqualTo(-1L);
  }

  @Test
  void firstAttemptOnAKeyAnotherRedisLocksGaveWayOnTakesIt() throws Exception {
    String key = fixture.key("other give-way");
    fixture.admin().set(key, "yield instance-of-another-process", px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)))
        .isEqualTo(Attempt.acquired(0));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 0 " + METADATA);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).as("not marked").isZero();
  }

  @Test
  void firstAttemptOnAKeyTheCallersRedisLocksGaveWayOnReportsItHeld() throws Exception {
    String key = fixture.key("given way");
    fixture.admin().set(key, "yield " + fixture.instanceId, px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().get(key)).isEqualTo("yield " + fixture.instanceId);
  }

  // ---- acquire.lua: the marking attempts

  @Test
  void acquireOnAFreeKeySetsTheValueWithTheLeaseAndDoesNotMarkTheLockAwaited() throws Exception {
    String key = fixture.key("unawaited");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket())))
        .isEqualTo(Attempt.acquired(0));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 0 " + METADATA);
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().exists(LockKeys.fenceKey(key), LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireOfAKeyAlreadyHoldingTheCallersTokenAcquiresWithItsFencingTokenAndResetsTheLease() throws Exception {
    String key = fixture.key("own");
    fixture.admin().set(key, value(fixture.token, 7), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "9"); // taken past 7 meanwhile: the answer must come from the value
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, "other metadata", ScriptFixture.ticket())))
        .isEqualTo(Attempt.acquired(7));
    assertThat(fixture.admin().get(key)).as("value kept").isEqualTo(value(fixture.token, 7));
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).as("counter not advanced").isEqualTo("9");
  }

  @Test
  void acquireOfAKeyHoldingAHashReportsNotALockAndChangesNothing() throws Exception {
    String key = fixture.key("hash");
    fixture.admin().hset(key, Map.of("field", "value", "other field", "other value"));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket())))
        .isEqualTo(Attempt.NOT_A_LOCK);
    assertThat(fixture.admin().type(key)).isEqualTo("hash");
    assertThat(fixture.admin().hgetall(key)).isEqualTo(Map.of("field", "value", "other field", "other value"));
    assertThat(fixture.admin().pttl(key)).as("no expiry added").isEqualTo(-1L);
    assertThat(fixture.admin().exists(LockKeys.fenceKey(key), LockKeys.waitersKey(key)))
        .as("neither counted nor marked")
        .isZero();
  }

  @Test
  void acquireWhileAnotherTokenHoldsReportsItsRemainingLeaseAndLeavesIt() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void aWaitingAttemptOnAHeldLockReportsTheServersTimeOfTheAttempt() throws Exception {
    String key = fixture.key("timed");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    long before = System.currentTimeMillis();
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.serverMicros() / 1000).isBetween(before - 1_000, before + 1_000);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksTheLockAwaitedUntilALeaseAfterTheHoldersEnds() throws Exception {
    String key = fixture.key("awaited");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isOne();
    assertThat(fixture.admin().pttl(LockKeys.waitersKey(key)))
        .isBetween(LEASE_MILLIS, attempt.remainingLeaseMillis() + LEASE_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryReportsMinusOneAndMarksTheLockAwaitedForOneLease()
      throws Exception {
    String key = fixture.key("forever awaited");
    fixture.admin().set(key, value(fixture.otherToken, 3));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isEqualTo(-1);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isEqualTo(-1L);
    assertThat(fixture.admin().pttl(LockKeys.waitersKey(key))).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void acquireOfAValueThatOnlyStartsWithTheCallersTokenReportsItHeld() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 5), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 5));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void acquireOfAKeyTheCallersRedisLocksGaveWayOnReportsItNotFreeUntilTheGiveWayEnds() throws Exception {
    String key = fixture.key("own give-way");
    fixture.admin().set(key, "yield " + fixture.instanceId, px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(key)).isEqualTo("yield " + fixture.instanceId);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).as("marked, to hear the next release").isOne();
  }

  @Test
  void acquireOfAKeyAnotherRedisLocksGaveWayOnTakesIt() throws Exception {
    String key = fixture.key("other give-way");
    fixture.admin().set(key, "yield instance-of-another-process", px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket())))
        .isEqualTo(Attempt.acquired(0));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 0 " + METADATA);
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  // ---- acquire.lua: the queue for direct hand-overs

  private String ticket(String key, String token) {
    return fixture.admin().hget(LockKeys.ticketsKey(key), token);
  }

  private long serverMillis() {
    return Long.parseLong(fixture.admin().time().get(0)) * 1000;
  }

  @Test
  void aWaitingAttemptOnAHeldLockQueuesTheCallersTokenOnceKeepingItsPlaceAndRenewsItsTicket() throws Exception {
    String key = fixture.key("queued");
    fixture.admin().set(key, value(fixture.otherToken, 0), px(SHORT_TTL_MILLIS));
    LockStore.Ticket first = ScriptFixture.ticket();
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, first));
    Double firstScore = fixture.admin().zscore(LockKeys.queueKey(key), fixture.token);
    assertThat(ticket(key, fixture.token)).startsWith(first.nonce() + " ");
    reply(fixture.store.acquire(key, fixture.longerToken, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    LockStore.Ticket again = ScriptFixture.ticket();
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, "1700000000999 4242 test-host renamed thread",
        again));
    assertThat(fixture.admin().zrange(LockKeys.queueKey(key), 0, -1))
        .containsExactly(fixture.token, fixture.longerToken);
    assertThat(fixture.admin().zscore(LockKeys.queueKey(key), fixture.token)).isEqualTo(firstScore);
    assertThat(ticket(key, fixture.token)).startsWith(again.nonce() + " ").endsWith(" 4242 test-host renamed thread");
    assertThat(fixture.admin().pttl(LockKeys.queueKey(key))).isPositive();
    assertThat(fixture.admin().pttl(LockKeys.ticketsKey(key))).isPositive();
  }

  @Test
  void aTicketIsFreshUntilTheWaiterAttemptsAgainAtTheLatestAndASecondMore() throws Exception {
    String key = fixture.key("fresh");
    fixture.admin().set(key, value(fixture.otherToken, 0), px(SHORT_TTL_MILLIS));
    long before = serverMillis();
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    long untilHoldersEnd = Long.parseLong(ticket(key, fixture.token).split(" ")[1]) - before;
    assertThat(untilHoldersEnd).as("the holder's lease and a second")
        .isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS + 1_000 + SLACK_MILLIS);
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, new LockStore.Ticket("n", 500)));
    long untilDeadline = Long.parseLong(ticket(key, fixture.token).split(" ")[1]) - before;
    assertThat(untilDeadline).as("the caller's deadline and a second").isBetween(1_000L, 1_500L + SLACK_MILLIS);
  }

  @Test
  void aWaitingAttemptOfRedlocksServersMarksTheLockButQueuesNobody() throws Exception {
    String key = fixture.key("marked only");
    fixture.admin().set(key, value(fixture.otherToken, 0), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store(LettuceLockStore.Waiting.MARK)
        .acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.serverMicros()).as("no hand-over to reckon from").isEqualTo(-1);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isOne();
    assertThat(fixture.admin().exists(LockKeys.queueKey(key), LockKeys.ticketsKey(key))).isZero();
  }

  @Test
  void aFirstAttemptQueuesNobody() throws Exception {
    String key = fixture.key("not queued");
    fixture.admin().set(key, value(fixture.otherToken, 0), px(SHORT_TTL_MILLIS));
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, null));
    assertThat(fixture.admin().exists(LockKeys.queueKey(key), LockKeys.ticketsKey(key))).isZero();
  }

  @Test
  void acquiringAFreeKeyLeavesTheQueue() throws Exception {
    String key = fixture.key("left");
    fixture.admin().zadd(LockKeys.queueKey(key), 1, fixture.token);
    fixture.admin().hset(LockKeys.ticketsKey(key), fixture.token, "n 1 77 host thread");
    fixture.admin().zadd(LockKeys.queueKey(key), 2, fixture.otherToken);
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket()))
        .outcome()).isEqualTo(Attempt.Outcome.ACQUIRED);
    assertThat(fixture.admin().zrange(LockKeys.queueKey(key), 0, -1)).containsExactly(fixture.otherToken);
    assertThat(fixture.admin().hexists(LockKeys.ticketsKey(key), fixture.token)).isFalse();
  }

  @Test
  void aWaitingAttemptOnALockWhoseQueueHoldsAnotherTypeReportsWhichKeyAndChangesNothing() throws Exception {
    String key = fixture.key("odd queue");
    fixture.admin().set(key, value(fixture.otherToken, 0), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.queueKey(key), "an operator's string");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, ScriptFixture.ticket())))
        .isEqualTo(Attempt.wrongType(LockKeys.queueKey(key)));
    assertThat(fixture.admin().get(LockKeys.queueKey(key))).isEqualTo("an operator's string");
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key), LockKeys.ticketsKey(key))).isZero();
  }
}
