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
 * acquire.lua: taking a free lock, re-entering an owned one, and reporting (and marking awaited) one another token
 * holds.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class AcquireScriptIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- acquire.lua

  @Test
  void acquireOnAFreeKeyTakesTheFirstFencingTokenAndSetsTheValueWithTheLease() throws Exception {
    String key = fixture.key("free");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(1));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 1 " + METADATA);
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("1");
  }

  @Test
  void acquireOnAFreeKeyHandsOutTheTokenAfterTheFenceCounter() throws Exception {
    String key = fixture.key("counted");
    fixture.admin().set(LockKeys.fenceKey(key), "41");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(42));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 42 " + METADATA);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("42");
  }

  @Test
  void acquireWritesLargeFencingTokensInFullNotInExponentNotation() throws Exception {
    String key = fixture.key("counted far");
    fixture.admin().set(LockKeys.fenceKey(key), "99999999999999");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(100_000_000_000_000L));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 100000000000000 " + METADATA);
  }

  @Test
  void acquireHandsOutExactTokensPastTheRangeOfLuaNumbers() throws Exception {
    String key = fixture.key("counted beyond doubles");
    fixture.admin().set(LockKeys.fenceKey(key), "9007199254740992"); // 2^53: the next double is 2^53 + 2
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.acquired(9007199254740993L));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 9007199254740993 " + METADATA);
  }

  @Test
  void acquireLeavesTheFenceCounterWithoutExpiry() throws Exception {
    String key = fixture.key("counter");
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false));
    assertThat(fixture.admin().pttl(LockKeys.fenceKey(key))).isEqualTo(-1L);
  }

  @Test
  void theFenceCounterOutlivesTheLockKeySoTheNextAcquisitionGetsAHigherToken() throws Exception {
    String key = fixture.key("outlived");
    long first = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)).fencingToken();
    fixture.admin().del(key); // as when the lease runs out
    assertThat(fixture.admin().exists(LockKeys.fenceKey(key))).isOne();
    Attempt next = reply(fixture.store.acquire(key, fixture.otherToken, LEASE_MILLIS, METADATA, false));
    assertThat(next).isEqualTo(Attempt.acquired(first + 1));
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.otherToken + " " + (first + 1) + " " + METADATA);
  }

  @Test
  void acquireWhileAnotherTokenHoldsDoesNotAdvanceTheFenceCounter() throws Exception {
    String key = fixture.key("not counted");
    fixture.admin().set(key, value(fixture.otherToken, 7), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "7");
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, true)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("7");
  }

  @Test
  void acquireOfAKeyAlreadyHoldingTheCallersTokenAcquiresWithItsFencingTokenAndResetsTheLease() throws Exception {
    String key = fixture.key("own");
    fixture.admin().set(key, value(fixture.token, 7), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "9"); // taken past 7 meanwhile: the answer must come from the value
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, "other metadata", false)))
        .isEqualTo(Attempt.acquired(7));
    assertThat(fixture.admin().get(key)).as("value kept").isEqualTo(value(fixture.token, 7));
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).as("counter not advanced").isEqualTo("9");
  }

  @Test
  void acquireOfAKeyHoldingAHashReportsNotALockAndChangesNothing() throws Exception {
    String key = fixture.key("hash");
    fixture.admin().hset(key, Map.of("field", "value", "other field", "other value"));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, true)))
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
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(attempt.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksTheLockAwaitedUntilALeaseAfterTheHoldersEnds() throws Exception {
    String key = fixture.key("awaited");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, true));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isOne();
    assertThat(fixture.admin().pttl(LockKeys.waitersKey(key)))
        .isBetween(LEASE_MILLIS, attempt.remainingLeaseMillis() + LEASE_MILLIS);
  }

  @Test
  void acquireWhileAnotherTokenHoldsMarksNothingWhenNotAskedTo() throws Exception {
    String key = fixture.key("unmarked");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)).outcome())
        .isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireOfAFreeKeyDoesNotMarkTheLockAwaited() throws Exception {
    String key = fixture.key("unawaited");
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, true));
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryReportsMinusOneAndLeavesIt() throws Exception {
    String key = fixture.key("forever");
    fixture.admin().set(key, value(fixture.otherToken, 3));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false)))
        .isEqualTo(Attempt.held(-1));
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isEqualTo(-1L);
  }

  @Test
  void acquireWhileAnotherTokenHoldsWithoutExpiryMarksTheLockAwaitedForOneLease() throws Exception {
    String key = fixture.key("forever awaited");
    fixture.admin().set(key, value(fixture.otherToken, 3));
    assertThat(reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, true)))
        .isEqualTo(Attempt.held(-1));
    assertThat(fixture.admin().pttl(LockKeys.waitersKey(key))).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void acquireOfAValueThatOnlyStartsWithTheCallersTokenReportsItHeld() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 5), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "5");
    Attempt attempt = reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, METADATA, false));
    assertThat(attempt.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 5));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }
}
