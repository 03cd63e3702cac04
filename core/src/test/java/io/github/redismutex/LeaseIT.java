package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.Dedicated;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.lettuce.core.AclSetuserArgs;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The lease: renewed while held, never after unlock, and a lost one reported by unlock(). */
@ExtendWith(RedisExtension.class)
class LeaseIT {
  private static final Duration SHORT_LEASE = Duration.ofMillis(300);

  private final RedisServer redis;
  private final String prefix = "lease-" + UUID.randomUUID() + ":";
  private RedisLocks holder;
  private RedisLocks other;

  LeaseIT(RedisServer redis) {
    this.redis = redis;
  }

  private RedisLocks node(String uri) {
    return RedisLocks.builder().uri(uri).keyPrefix(prefix).leaseTime(SHORT_LEASE).build();
  }

  @AfterEach
  void close() {
    if (holder != null) {
      holder.close();
    }
    if (other != null) {
      other.close();
    }
  }

  @Test
  void theWatchdogKeepsALockHeldForThreeTimesItsLease() throws Exception {
    holder = node(redis.uri());
    other = node(redis.uri());
    RedisMutex lock = holder.mutex("long job");
    lock.lock();
    RedisMutex theirs = other.mutex("long job");
    await("nobody else gets in while the holder runs").during(SHORT_LEASE.multipliedBy(3))
        .atMost(SHORT_LEASE.multipliedBy(6)).pollInSameThread().pollInterval(Duration.ofMillis(25))
        .until(() -> !theirs.tryLock());
    lock.unlock(); // throws LeaseExpiredException had the lease lapsed
    assertThat(other.mutex("long job").tryLock()).isTrue();
    other.mutex("long job").unlock();
  }

  @Test
  void renewalNeverOutlivesUnlock() {
    holder = node(redis.uri());
    for (int i = 0; i < 300; i++) {
      RedisMutex lock = holder.mutex("churn");
      lock.lock();
      lock.unlock();
      assertThat(holder.heldLeaseCount()).as("deregistered before unlock() returns").isZero();
    }
    // Renewals run every 100 ms: had one outlived an unlock, the key would be back, or kept alive.
    await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2))
        .until(() -> redis.admin().exists(holder.keyOf("churn")) == 0);
  }

  @Test
  void unlockAfterTheLeaseEndedAndAnotherOwnerTookTheLockThrowsAndLeavesItsKeyAlone(
      @Dedicated RedisServer server) { // because the test takes the holder's permission to renew away
    server.admin().aclSetuser("holder", AclSetuserArgs.Builder.on().addPassword("pw").allKeys().allChannels()
        .allCommands());
    holder = node("redis://holder:pw@127.0.0.1:" + server.port());
    other = node(server.uri());
    RedisMutex stale = holder.mutex("account");
    stale.lock();
    Instant lockedAt = Instant.now();
    // The holder stalls: its renewals are refused, as if it were paused or cut off.
    server.admin().aclSetuser("holder", AclSetuserArgs.Builder.removeCommand(CommandType.EVALSHA)
        .removeCommand(CommandType.EVAL));
    RedisMutex next = other.mutex("account");
    await().pollInSameThread().atMost(Duration.ofSeconds(5)).until(next::tryLock);
    String newOwner = server.admin().get(other.keyOf("account"));
    server.admin().aclSetuser("holder", AclSetuserArgs.Builder.allCommands());

    assertThatThrownBy(stale::unlock)
        .isInstanceOf(LeaseExpiredException.class)
        .isInstanceOf(IllegalMonitorStateException.class)
        .hasMessageContaining("'account'")
        .hasMessageContaining("another owner")
        .satisfies(e -> {
          LeaseExpiredException lost = (LeaseExpiredException) e;
          assertThat(lost.lockName()).isEqualTo("account");
          assertThat(lost.leaseEndedAt()).isBetween(lockedAt, Instant.now());
        });
    assertThat(server.admin().get(other.keyOf("account"))).as("the new owner's key").isEqualTo(newOwner);
    assertThat(stale.isHeldByCurrentThread()).isFalse();
    assertThat(holder.localLockCount()).isZero();
    next.unlock();
  }

  @Test
  void unlockAfterTheKeyExpiredWithNobodyElseThrowsLeaseExpired() {
    holder = node(redis.uri());
    RedisMutex lock = holder.mutex("expired");
    lock.lock();
    redis.admin().del(holder.keyOf("expired")); // what expiry does to a holder that could not renew
    assertThatThrownBy(lock::unlock)
        .isInstanceOf(LeaseExpiredException.class)
        .hasMessageContaining("nobody holds it now");
    assertThat(lock.tryLock()).as("the thread can acquire again").isTrue();
    lock.unlock();
  }
}
