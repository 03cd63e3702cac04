package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** inspect(): who holds a lock, from any client, without the holder's help; and fencedSet's rules. */
@ExtendWith(RedisExtension.class)
class InspectIT {
  private final RedisServer redis;
  private final String prefix = "inspect-" + UUID.randomUUID() + ":";
  private RedisLocks holder;
  private RedisLocks operator;

  InspectIT(RedisServer redis) {
    this.redis = redis;
  }

  @BeforeEach
  void connect() {
    holder = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
    operator = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    holder.close();
    operator.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"orders:42", "with spaces {and braces} ü 🔒", "line\nbreak", "*?["})
  void inspectShowsTheHolderWhileHeldAndNothingAfterRelease(String name) throws Exception {
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Instant before = Instant.now();
    CompletableFuture<Long> token = new CompletableFuture<>();
    Thread teller = new Thread(() -> {
      RedisMutex lock = holder.mutex(name);
      lock.lock();
      token.complete(lock.fencingToken());
      held.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        lock.unlock();
      }
    }, "teller 7 (night shift)");
    teller.start();
    held.await();

    LockInfo info = operator.inspect(name).orElseThrow();
    assertThat(info.name()).isEqualTo(name);
    assertThat(info.host()).isEqualTo(LockValue.hostName()).isNotBlank();
    assertThat(info.pid()).isEqualTo(ProcessHandle.current().pid());
    assertThat(info.threadName()).isEqualTo("teller 7 (night shift)");
    assertThat(info.acquiredAt()).isBetween(before.minusMillis(1), Instant.now());
    assertThat(info.remainingLease()).isBetween(Duration.ofSeconds(25), RedisLocks.DEFAULT_LEASE_TIME);
    assertThat(info.fencingToken()).isEqualTo(token.get(5, TimeUnit.SECONDS));

    release.countDown();
    teller.join();
    assertThat(operator.inspect(name)).isEmpty();
  }

  @Test
  void inspectOfAFreeLockIsEmpty() {
    assertThat(operator.inspect("free")).isEqualTo(Optional.empty());
  }

  @Test
  void inspectOfAKeyNotWrittenByTheLibraryShowsWhatItCan() {
    redis.admin().set(operator.keyOf("foreign"), "someone else's value");
    LockInfo info = operator.inspect("foreign").orElseThrow();
    assertThat(info.fencingToken()).isEqualTo(-1);
    assertThat(info.host()).isEqualTo("unknown");
    redis.admin().del(operator.keyOf("foreign"));
  }

  @Test
  void inspectRejectsBadNames() {
    assertThatThrownBy(() -> operator.inspect(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> operator.inspect("")).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fencedSetWritesForTheHighestTokenSoFarAndRefusesOlderOnes() {
    String resource = "{" + prefix + "balance}"; // a hash tag of its own, outside the locks' keys
    assertThat(operator.fencedSet(resource, "written by 5", 5)).isTrue();
    assertThat(operator.fencedSet(resource, "written by 5 again", 5)).as("the same holder writing twice").isTrue();
    assertThat(operator.fencedSet(resource, "written by 4", 4)).isFalse();
    assertThat(redis.admin().get(resource)).isEqualTo("written by 5 again");
    assertThat(operator.fencedSet(resource, "written by 9", 9)).isTrue();
    assertThat(redis.admin().get(resource)).isEqualTo("written by 9");
    assertThat(redis.admin().get(resource + ":fence")).isEqualTo("9");
  }

  @Test
  void fencedSetRejectsBadArgumentsAndWritesNothing() {
    assertThatThrownBy(() -> operator.fencedSet(null, "v", 1)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("key");
    assertThatThrownBy(() -> operator.fencedSet(prefix + "k", null, 1)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("value");
    assertThatThrownBy(() -> operator.fencedSet("", "v", 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> operator.fencedSet(prefix + "k", "v", 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fencingToken must be positive, was 0");
    assertThat(redis.admin().exists(prefix + "k")).isZero();
  }
}
