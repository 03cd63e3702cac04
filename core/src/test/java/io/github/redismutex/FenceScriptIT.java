package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.METADATA;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.RedisExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * fence.lua: a hold draws the next fencing token, checked against its ownership in the same step.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class FenceScriptIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  private String held(String name) {
    String key = fixture.key(name);
    fixture.admin().set(key, value(fixture.token, 0), px(SHORT_TTL_MILLIS));
    return key;
  }

  @Test
  void drawingTakesTheNextTokenAndWritesItAndTheDrawersMetadataIntoTheValueKeepingTheLease() throws Exception {
    String key = held("drawn");
    fixture.admin().set(LockKeys.fenceKey(key), "41");
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, "drawer's metadata"))).isEqualTo(42L);
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 42 drawer's metadata");
    assertThat(fixture.admin().pttl(key)).as("lease kept").isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("42");
  }

  @Test
  void theFirstTokenOfALockIsOneAndItsCounterNeverExpires() throws Exception {
    String key = held("first");
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isEqualTo(1L);
    assertThat(fixture.admin().pttl(LockKeys.fenceKey(key))).isEqualTo(-1L);
  }

  @Test
  void tokensAreExactPastTheRangeOfLuaNumbersAndWrittenInFull() throws Exception {
    String key = held("beyond doubles");
    fixture.admin().set(LockKeys.fenceKey(key), "9007199254740992"); // 2^53: the next double is 2^53 + 2
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isEqualTo(9007199254740993L);
    assertThat(fixture.admin().get(key)).isEqualTo(fixture.token + " 9007199254740993 " + METADATA);
  }

  @Test
  void theCounterOutlivesTheLockKeySoTheNextHoldDrawsAHigherToken() throws Exception {
    String key = held("outlived");
    long first = reply(fixture.store.drawFencingToken(key, fixture.token, METADATA));
    fixture.admin().del(key); // as when the lease runs out
    reply(fixture.store.acquire(key, fixture.otherToken, LEASE_MILLIS, METADATA, null));
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.otherToken, METADATA))).isEqualTo(first + 1);
  }

  @Test
  void drawingForAKeyAnotherTokenHoldsDrawsNothingAndChangesNothing() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 7), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "7");
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isZero();
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 7));
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("7");
  }

  @Test
  void drawingForAValueThatOnlyStartsWithTheCallersTokenDrawsNothing() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 0), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isZero();
    assertThat(fixture.admin().exists(LockKeys.fenceKey(key))).isZero();
  }

  @Test
  void drawingForAGoneKeyDrawsNothingAndCreatesNothing() throws Exception {
    String key = fixture.key("gone");
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isZero();
    assertThat(fixture.admin().exists(key, LockKeys.fenceKey(key))).isZero();
  }

  @Test
  void drawingFromACounterThatIsNotANumberDrawsNothingAndChangesNothing() throws Exception {
    String key = fixture.key("odd counter");
    fixture.admin().set(key, value(fixture.token, 0), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "not a number");
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA)))
        .isEqualTo(LockStore.COUNTER_NOT_A_NUMBER);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("not a number");
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.token, 0));
  }
}
