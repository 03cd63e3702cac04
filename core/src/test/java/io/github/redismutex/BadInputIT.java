package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Bad input gets a clear exception and changes nothing; odd but valid names just work. */
@ExtendWith(RedisExtension.class)
class BadInputIT {
  private final RedisServer redis;
  private final String prefix = "input-" + UUID.randomUUID() + ":";
  private RedisLocks locks;

  BadInputIT(RedisServer redis) {
    this.redis = redis;
  }

  @BeforeEach
  void connect() {
    locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    locks.close();
  }

  /** Lock keys and waiter marks; fencing counters are kept on purpose (tokens must outlive lock keys). */
  private long keysWritten() {
    return lockKeys().size();
  }

  private Set<String> lockKeys() {
    Set<String> keys = new HashSet<>(redis.admin().keys(prefix + "*"));
    keys.removeIf(key -> key.endsWith(":fence"));
    return keys;
  }

  @Test
  void aNullNameIsRejected() {
    assertThatThrownBy(() -> locks.mutex(null)).isInstanceOf(NullPointerException.class).hasMessageContaining("name");
  }

  @Test
  void anEmptyNameIsRejected() {
    assertThatThrownBy(() -> locks.mutex("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name must not be empty");
  }

  @Test
  void aNameLongerThan1024BytesIsRejected() {
    assertThat(locks.mutex("x".repeat(1024)).tryLock()).isTrue();
    locks.mutex("x".repeat(1024)).unlock();
    assertThatThrownBy(() -> locks.mutex("é".repeat(513))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at most 1024 bytes").hasMessageContaining("1026");
    assertThat(keysWritten()).isZero();
  }

  @Test
  void aNameThatIsNotValidUnicodeIsRejected() {
    assertThatThrownBy(() -> locks.mutex("half \uD83D")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unpaired surrogate");
  }

  @ParameterizedTest
  @ValueSource(strings = {"with spaces", "line\nbreak", "tab\there", "ünïcödé 🔒 锁", "*", "?", "[a-z]", "{", "}",
      "{braces}", "a{b}c", "}{", "\\", "\\(", "__keyspace@0__:x"})
  void oddNamesAreLocksOfTheirOwn(String name) {
    RedisMutex lock = locks.mutex(name);
    lock.lock();
    try (RedisLocks other = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      assertThat(other.mutex(name).tryLock()).isFalse();
      assertThat(other.mutex(name).isLocked()).isTrue();
    }
    lock.unlock();
    assertThat(keysWritten()).isZero();
  }

  @Test
  void namesThatLookAlikeAfterEscapingDoNotCollide() {
    List<String> names = List.of("a{b", "a\\(b", "a(b", "a}b", "a\\)b", "a\\b", "a\\\\b", "{a}", "\\(a\\)");
    for (String name : names) {
      assertThat(locks.mutex(name).tryLock()).as(name).isTrue();
    }
    assertThat(lockKeys()).hasSameSizeAs(names);
    names.forEach(name -> locks.mutex(name).unlock());
  }

  @Test
  void badBuilderArgumentsAreRejectedWithTheirNameAndRule() {
    RedisLocksBuilder builder = RedisLocks.builder();
    assertThatThrownBy(() -> builder.leaseTime(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("leaseTime");
    for (Duration bad : List.of(Duration.ZERO, Duration.ofMillis(-1), Duration.ofMillis(99), Duration.ofDays(2))) {
      assertThatThrownBy(() -> builder.leaseTime(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("leaseTime must be between").hasMessageContaining(bad.toString());
    }
    assertThatThrownBy(() -> builder.commandTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("commandTimeout");
    assertThatThrownBy(() -> builder.keyPrefix(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.keyPrefix("{app}:")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix");
    assertThatThrownBy(() -> builder.uri(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.uri("not a uri")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.client(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> builder.maxLocalHandOvers(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxLocalHandOvers must be from 0 to 1000");
    assertThatThrownBy(() -> builder.maxLocalHandOvers(1001)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.redlock("redis://127.0.0.1:1", "redis://127.0.0.1:2"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redlock needs at least 3");
    assertThatThrownBy(() -> builder.redlock("redis://127.0.0.1:1", "redis://127.0.0.1:2", "redis://127.0.0.1:1"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
    assertThatThrownBy(() -> builder.redlock("redis://127.0.0.1:1", null, "redis://127.0.0.1:3"))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("exactly one of uri");
  }

  @Test
  void aRejectedBuilderArgumentLeavesTheEarlierSettingInPlace() {
    RedisLocksBuilder builder = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix)
        .leaseTime(Duration.ofSeconds(7));
    assertThatThrownBy(() -> builder.leaseTime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    try (RedisLocks built = builder.build()) {
      built.mutex("kept").lock();
      assertThat(built.mutex("kept").remainingLease()).isGreaterThan(Duration.ofSeconds(6))
          .isLessThanOrEqualTo(Duration.ofSeconds(7));
      built.mutex("kept").unlock();
    }
  }

  @Test
  void badExtendArgumentsAreRejectedAndTheLeaseIsUnchanged() {
    RedisMutex lock = locks.mutex("extend");
    lock.lock();
    assertThatThrownBy(() -> lock.extend(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("additional");
    assertThatThrownBy(() -> lock.extend(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("additional must be between");
    assertThatThrownBy(() -> lock.extend(Duration.ofDays(400))).isInstanceOf(IllegalArgumentException.class);
    assertThat(lock.remainingLease()).isLessThanOrEqualTo(RedisLocks.DEFAULT_LEASE_TIME);
    lock.unlock();
  }

  @Test
  void aLockKeyHoldingANonStringValueIsReportedAndLeftAlone() {
    String key = locks.keyOf("taken by a hash");
    redis.admin().hset(key, Map.of("field", "value"));
    assertThatThrownBy(() -> locks.mutex("taken by a hash").tryLock(1, java.util.concurrent.TimeUnit.SECONDS))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'taken by a hash'")
        .hasMessageContaining("not a string");
    assertThatThrownBy(() -> locks.mutex("taken by a hash").lock()).isInstanceOf(IllegalStateException.class);
    assertThat(redis.admin().hgetall(key)).isEqualTo(Map.of("field", "value"));
    assertThat(locks.localLockCount()).isZero();
    redis.admin().del(key);
  }

  @Test
  void tryLockWithADurationActsAsWithTimeAndUnitAndRefusesNull() throws Exception {
    RedisMutex lock = locks.mutex("duration");
    assertThatThrownBy(() -> lock.tryLock(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("timeout");
    assertThat(lock.tryLock(Duration.ofMillis(100))).isTrue();
    lock.unlock();
    assertThat(lock.tryLock(Duration.ofSeconds(Long.MAX_VALUE))).as("beyond nanoseconds: no limit").isTrue();
    lock.unlock();
    assertThat(lock.tryLock(Duration.ZERO)).isTrue();
    lock.unlock();
  }
}
