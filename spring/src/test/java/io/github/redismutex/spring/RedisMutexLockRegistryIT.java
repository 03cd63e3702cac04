package io.github.redismutex.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.github.redismutex.spring.support.RedisProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The registry on its own, over a {@link RedisLocks} the test builds (no Spring context). */
class RedisMutexLockRegistryIT {
  private static RedisLocks locks;
  private static RedisMutexLockRegistry registry;

  @BeforeAll
  static void connect() {
    locks = RedisLocks.connect(RedisProcess.shared().uri());
    registry = new RedisMutexLockRegistry(locks);
  }

  @AfterAll
  static void close() {
    locks.close();
  }

  @Test
  void keysWithTheSameTextAreOneLock() {
    RedisMutex byNumber = registry.obtain(42);
    byNumber.lock();
    try {
      assertThat(registry.obtain("42").isHeldByCurrentThread()).isTrue();
      assertThat(byNumber.getName()).isEqualTo("42");
    } finally {
      byNumber.unlock();
    }
  }

  @Test
  void obtainNullKeyThrowsNamingTheArgument() {
    assertThatThrownBy(() -> registry.obtain(null))
        .isInstanceOf(NullPointerException.class).hasMessage("lockKey must not be null");
  }

  @Test
  void obtainKeyWhoseTextIsNullThrowsNamingItsType() {
    Object nullText = new Object() {
      @Override
      public String toString() {
        return null;
      }
    };
    assertThatThrownBy(() -> registry.obtain(nullText))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("lockKey.toString() must not be null, was null for a ")
        .hasMessageContaining(RedisMutexLockRegistryIT.class.getName());
  }

  @Test
  void obtainKeyWhoseTextIsEmptyThrowsWithTheLibrarysRule() {
    assertThatThrownBy(() -> registry.obtain(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("lockKey.toString() is not a valid lock name: name must not be empty");
  }

  @Test
  void registryDoesNotCloseTheLocksItBorrows() {
    RedisLocks own = RedisLocks.connect(RedisProcess.shared().uri());
    try {
      RedisMutexLockRegistry borrowing = new RedisMutexLockRegistry(own);
      borrowing.obtain("borrowed").lock();
      borrowing.obtain("borrowed").unlock();
      // the registry has no close() of its own, and using it left the locks open
      assertThat(own.mutex("borrowed").tryLock()).isTrue();
      own.mutex("borrowed").unlock();
      own.close();
      assertThatThrownBy(() -> borrowing.obtain("borrowed")).isInstanceOf(IllegalStateException.class);
    } finally {
      own.close();
    }
  }
}
