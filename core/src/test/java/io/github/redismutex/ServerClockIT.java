package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis ends a lease on its own clock, this JVM reckons it on its own: it counts on the lease ending an allowance
 * before Redis can end it ({@link ClockDrift}), and a lease that Redis would end sooner than that
 * (its clock stepped forward, or something cut the key's TTL) is noticed at the next renewal.
 */
@ExtendWith(RedisExtension.class)
class ServerClockIT {
  private final RedisServer redis;
  private final String prefix = "clock-" + UUID.randomUUID() + ":";
  private final List<RedisLocks> opened = new ArrayList<>();
  private final List<String> lost = new CopyOnWriteArrayList<>();

  ServerClockIT(RedisServer redis) {
    this.redis = redis;
  }

  @AfterEach
  void close() {
    opened.forEach(RedisLocks::close);
  }

  private RedisLocks connect(Duration lease) {
    RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).leaseTime(lease)
        .onLeaseLost((name, token) -> lost.add(name)).build();
    opened.add(locks);
    return locks;
  }

  @Test
  void thisJvmCountsOnTheLeaseEndingTheClockAllowanceBeforeRedisEndsIt() {
    Duration lease = Duration.ofSeconds(10);
    RedisLocks locks = connect(lease);
    RedisMutex lock = locks.mutex("allowance");
    lock.lock();
    long localEnd = lock.leaseEndsAtNanos();
    long pttl = redis.admin().pttl(locks.keyOf("allowance"));
    long afterRead = System.nanoTime();
    // Redis ends the key before afterRead + pttl + 1 ms (PTTL rounds down)
    long serverEndBound = afterRead + TimeUnit.MILLISECONDS.toNanos(pttl + 1);
    long allowance = TimeUnit.MILLISECONDS.toNanos(ClockDrift.allowanceMillis(lease.toMillis()));
    assertThat(allowance).as("1% of the lease and 2 ms").isEqualTo(TimeUnit.MILLISECONDS.toNanos(102));
    assertThat(serverEndBound - localEnd).as("nanoseconds between this JVM's end and Redis's latest end")
        .isGreaterThanOrEqualTo(allowance);
    lock.unlock();
  }

  @Test
  void aKeyWhoseTtlIsCutBehindTheHoldersBackIsFoundLostAtTheNextRenewal() {
    RedisLocks locks = connect(Duration.ofSeconds(3));
    RedisMutex lock = locks.mutex("cut");
    lock.lock();
    redis.admin().pexpire(locks.keyOf("cut"), 1); // gone at once, as with a big forward step of Redis's clock
    await().atMost(Duration.ofSeconds(3)).until(() -> lost.contains("cut")); // renewals run every second
    assertThat(lock.isLeaseValid()).isFalse();
    RedisLocks other = connect(Duration.ofSeconds(3));
    assertThat(other.mutex("cut").tryLock()).isTrue();
    other.mutex("cut").unlock();
  }

  @Test
  void aLeaseShortenedBehindTheHoldersBackIsNoticedAtTheNextRenewal() {
    RedisLocks locks = connect(Duration.ofSeconds(3));
    RedisMutex lock = locks.mutex("shortened");
    lock.lock();
    assertThat(locks.leasesFoundShortened()).isZero();
    redis.admin().pexpire(locks.keyOf("shortened"), 1_500); // still there at the next renewal, a second away
    await().atMost(Duration.ofSeconds(3)).until(() -> locks.leasesFoundShortened() == 1);
    assertThat(lost).as("not lost: the key was still the holder's when renewed").isEmpty();
    assertThat(lock.isLeaseValid()).isTrue();
    lock.unlock();
  }
}
