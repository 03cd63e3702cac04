package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.LockClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.Signals;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A lost lease is visible: isLeaseValid(), the listener, unlock(), and fenced writes that refuse the old holder. */
@ExtendWith(RedisExtension.class)
class LeaseLossIT {
  private static final Duration SHORT_LEASE = Duration.ofMillis(600);

  private final RedisServer redis;
  private final String prefix = "loss-" + UUID.randomUUID() + ":";

  LeaseLossIT(RedisServer redis) {
    this.redis = redis;
  }

  @Test
  void aHolderPausedPastItsLeaseIsFencedOutToldOfItsLossAndCannotUnlockTheNextHolder() throws Exception {
    String resource = "{" + prefix + "account:1}"; // a hash tag of its own, outside the locks' keys
    try (ChildJvm first = ChildJvm.start(LockClientMain.class, "paused-holder", redis.uri(), prefix, "account",
            Long.toString(SHORT_LEASE.toMillis()), resource);
        RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      long firstToken = Long.parseLong(first.awaitLine("HELD", 30, TimeUnit.SECONDS).split(" ")[1]);
      first.send("WRITE");
      assertThat(first.awaitLine("WRITE", 10, TimeUnit.SECONDS)).isEqualTo("WRITE true");

      Signals.send(first.pid(), "STOP"); // a long GC pause, as far as the lock can tell
      RedisMutex second = locks.mutex("account");
      second.lock(); // as soon as the paused holder's lease runs out
      long secondToken = second.fencingToken();
      assertThat(secondToken).isGreaterThan(firstToken);
      assertThat(locks.fencedSet(resource, "second holder", secondToken)).isTrue();
      String secondValue = redis.admin().get(locks.keyOf("account"));

      Signals.send(first.pid(), "CONT");
      assertThat(first.awaitLine("LOST", 10, TimeUnit.SECONDS)).isEqualTo("LOST account " + firstToken);
      first.send("VALID");
      assertThat(first.awaitLine("VALID", 10, TimeUnit.SECONDS)).isEqualTo("VALID false");
      first.send("WRITE");
      assertThat(first.awaitLine("WRITE", 10, TimeUnit.SECONDS)).as("fenced out").isEqualTo("WRITE false");
      first.send("UNLOCK");
      assertThat(first.awaitLine("UNLOCK", 10, TimeUnit.SECONDS))
          .startsWith("UNLOCK-FAILED LeaseExpiredException")
          .contains("another owner holds it now");

      assertThat(redis.admin().get(resource)).isEqualTo("second holder");
      assertThat(redis.admin().get(locks.keyOf("account"))).as("the second holder's key").isEqualTo(secondValue);
      assertThat(second.isLeaseValid()).isTrue();
      second.unlock();
    }
  }

  @Test
  void theListenerIsToldOnceAndIsLeaseValidTurnsFalseWhenTheKeyVanishes() {
    List<String> told = new CopyOnWriteArrayList<>();
    try (RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).leaseTime(SHORT_LEASE)
        .onLeaseLost((name, token) -> told.add(name + " " + token)).build()) {
      RedisMutex lock = locks.mutex("vanishing");
      lock.lock();
      long token = lock.fencingToken();
      assertThat(lock.isLeaseValid()).isTrue();
      redis.admin().del(locks.keyOf("vanishing")); // what expiry or an eviction does
      await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(() -> !lock.isLeaseValid());
      await().during(Duration.ofMillis(3 * SHORT_LEASE.toMillis() / 3)).until(() -> told.size() == 1);
      assertThat(told).containsExactly("vanishing " + token);
      assertThat(lock.isHeldByCurrentThread()).as("still held locally until unlock").isTrue();
      assertThatThrownBy(lock::unlock)
          .isInstanceOf(LeaseExpiredException.class)
          .hasMessageContaining("was found lost at about");
      assertThat(told).as("unlock does not tell again").hasSize(1);
      assertThat(lock.tryLock()).as("the thread can acquire again").isTrue();
      lock.unlock();
    }
  }

  @Test
  void isLeaseValidIsFalseForAThreadThatDoesNotHoldTheLock() {
    try (RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build()) {
      assertThat(locks.mutex("nobody's").isLeaseValid()).isFalse();
    }
  }
}
