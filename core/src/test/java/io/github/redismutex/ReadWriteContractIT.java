package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.DeploymentUnderTest;
import io.github.redismutex.support.Deployments;
import io.github.redismutex.support.LockOwner;
import io.github.redismutex.support.RedisExtension;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link RedisReadWriteLock}'s core rules on every deployment that offers it (one server, Sentinel, Cluster), between
 * two {@link RedisLocks}. Redlock refuses it, saying why ({@code RedlockIT.readWriteLocksAreRefusedSayingWhy}).
 */
@ParameterizedClass(name = "on {0}")
@EnumSource(value = DeploymentUnderTest.Kind.class, names = {"ONE_SERVER", "SENTINEL", "CLUSTER"})
@ExtendWith(RedisExtension.class)
class ReadWriteContractIT {
  @Parameter
  private DeploymentUnderTest.Kind kind;

  private final Deployments deployments;
  private final String prefix = "rw-contract-" + UUID.randomUUID() + ":";
  private final LockOwner alice = new LockOwner("alice");
  private final LockOwner bob = new LockOwner("bob");
  private RedisLocks here;
  private RedisLocks there;

  ReadWriteContractIT(Deployments deployments) {
    this.deployments = deployments;
  }

  @BeforeEach
  void connect() {
    DeploymentUnderTest deployment = deployments.get(kind);
    here = deployment.builder().keyPrefix(prefix).build();
    there = deployment.builder().keyPrefix(prefix).build();
  }

  @AfterEach
  void close() {
    alice.close();
    bob.close();
    here.close();
    there.close();
  }

  @Test
  void readersShareWritersExcludeAndTheLastReaderWakesTheWriter() throws Exception {
    alice.lock(here.readWriteLock("doc").readLock());
    assertThat(bob.tryLock(there.readWriteLock("doc").readLock(), 0)).isTrue();
    bob.unlock(there.readWriteLock("doc").readLock());
    Future<Boolean> writer = bob.start(() -> there.readWriteLock("doc").writeLock().tryLock(20, TimeUnit.SECONDS));
    await().atMost(Duration.ofSeconds(10)).until(() -> here.readWriteLock("doc").getReadLockCount() == 1
        && !writer.isDone());
    assertThat(writer.isDone()).isFalse();
    alice.unlock(here.readWriteLock("doc").readLock());
    assertThat(writer.get(10, TimeUnit.SECONDS)).as("woken by the last reader's release").isTrue();
    assertThat(alice.tryLock(here.readWriteLock("doc").readLock(), 200)).as("the writer excludes readers").isFalse();
    assertThat(here.readWriteLock("doc").isWriteLocked()).isTrue();
  }

  @Test
  void aDowngradeKeepsTheReadHoldAndFencingTokensRise() throws Exception {
    RedisReadWriteLock lock = here.readWriteLock("downgrade");
    long first = alice.call(() -> {
      lock.writeLock().lock();
      long token = lock.writeLock().fencingToken();
      lock.readLock().lock();
      lock.writeLock().unlock();
      return token;
    });
    assertThat(bob.tryLock(there.readWriteLock("downgrade").writeLock(), 200)).isFalse();
    alice.unlock(lock.readLock());
    long second = bob.call(() -> {
      RedisMutex write = there.readWriteLock("downgrade").writeLock();
      write.lock();
      try {
        return write.fencingToken();
      } finally {
        write.unlock();
      }
    });
    assertThat(second).isGreaterThan(first);
  }
}
