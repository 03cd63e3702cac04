package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.SLACK_MILLIS;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockStore.Holding;
import io.github.redismutex.support.RedisExtension;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * inspect.lua, which reads a lock key for anyone, and fenced-set.lua, which writes a resource only with a fencing token
 * no older than the last write's.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class InspectAndFencedSetScriptsIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- inspect.lua

  @Test
  void inspectOfAFreeKeyAnswersNull() throws Exception {
    String key = fixture.key("free");
    assertThat(reply(fixture.store.inspect(key))).isNull();
    assertThat(fixture.admin().exists(key)).isZero();
  }

  @Test
  void inspectOfAHeldKeyAnswersItsValueAndRemainingLease() throws Exception {
    String key = fixture.key("held");
    fixture.admin().set(key, value(fixture.otherToken, 8), px(SHORT_TTL_MILLIS));
    Holding holding = reply(fixture.store.inspect(key));
    assertThat(holding.value()).isEqualTo(value(fixture.otherToken, 8));
    assertThat(holding.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().pttl(key)).as("lease untouched").isBetween(1L, holding.remainingLeaseMillis());
  }

  @Test
  void inspectOfAGiveWayMarkerAnswersNullAsNobodyHoldsTheLock() throws Exception {
    String key = fixture.key("given way");
    fixture.admin().set(key, "yield " + fixture.instanceId, px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.inspect(key))).isNull();
  }

  @Test
  void inspectOfAKeyWithoutExpiryAnswersMinusOneForTheLease() throws Exception {
    String key = fixture.key("forever");
    fixture.admin().set(key, value(fixture.otherToken, 8));
    assertThat(reply(fixture.store.inspect(key))).isEqualTo(new Holding(value(fixture.otherToken, 8), -1));
  }

  @Test
  void inspectOfAKeyHoldingAHashAnswersAnEmptyValueAndItsRemainingLease() throws Exception {
    String key = fixture.key("hash");
    fixture.admin().hset(key, Map.of("field", "value"));
    fixture.admin().pexpire(key, SHORT_TTL_MILLIS);
    Holding holding = reply(fixture.store.inspect(key));
    assertThat(holding.value()).isEmpty();
    assertThat(holding.remainingLeaseMillis()).isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().hgetall(key)).isEqualTo(Map.of("field", "value"));
  }

  @Test
  void inspectOfAKeyAcquireWroteReadsBackAsItsHolder() throws Exception {
    String key = fixture.key("read back");
    String metadata = LockValue.metadata(LockValue.processPart("test-host"));
    reply(fixture.store.acquire(key, fixture.token, LEASE_MILLIS, metadata, null));
    long fence = reply(fixture.store.drawFencingToken(key, fixture.token, metadata));
    Holding holding = reply(fixture.store.inspect(key));
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
    String key = fixture.key("resource");
    assertThat(reply(fixture.store.fencedSet(key, "first", fencingToken))).isTrue();
    assertThat(fixture.admin().get(key)).isEqualTo("first");
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo(Long.toString(fencingToken));
  }

  @Test
  void fencedSetWithTheSameTokenAsTheLastWriteWrites() throws Exception {
    String key = fixture.key("resource");
    fixture.admin().set(key, "before");
    fixture.admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(fixture.store.fencedSet(key, "after", 5))).isTrue();
    assertThat(fixture.admin().get(key)).isEqualTo("after");
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }

  @Test
  void fencedSetWithALowerTokenThanTheLastWriteIsRejectedAndChangesNothing() throws Exception {
    String key = fixture.key("resource");
    fixture.admin().set(key, "before");
    fixture.admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(fixture.store.fencedSet(key, "stale", 4))).isFalse();
    assertThat(fixture.admin().get(key)).isEqualTo("before");
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("5");
  }

  @Test
  void fencedSetComparesTokensExactlyPastTheRangeOfLuaNumbers() throws Exception {
    String key = fixture.key("resource");
    fixture.admin().set(LockKeys.fenceKey(key), "9007199254740993"); // 2^53 + 1: a double would round it down
    assertThat(reply(fixture.store.fencedSet(key, "stale", 9007199254740992L))).isFalse();
    assertThat(reply(fixture.store.fencedSet(key, "fresh", 10000000000000000L))).isTrue();
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("10000000000000000");
  }

  @Test
  void fencedSetWithAHigherTokenThanTheLastWriteWritesAndRecordsIt() throws Exception {
    String key = fixture.key("resource");
    fixture.admin().set(key, "before");
    fixture.admin().set(LockKeys.fenceKey(key), "5");
    assertThat(reply(fixture.store.fencedSet(key, "after", 6))).isTrue();
    assertThat(fixture.admin().get(key)).isEqualTo("after");
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("6");
  }
}
