package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.RedisLocks;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

@SuppressWarnings("try") // a HeldLock in try-with-resources is there to be held, not referenced
class InspectIT {
  @RegisterExtension static final LocalRedis redis = new LocalRedis();

  private String prefix;
  private RedisLocks locks;

  @BeforeEach
  void openLocks(TestInfo test) {
    prefix = "inspect-" + test.getTestMethod().orElseThrow().getName() + ":";
    locks = redis.locks(prefix);
  }

  @AfterEach
  void closeLocks() {
    locks.close();
  }

  private Cli.Result inspect(String name) {
    return Cli.run("inspect", name, "--uri", redis.uri(), "--prefix", prefix);
  }

  @Test
  void heldLockShowsHostPidThreadAcquisitionLeaseAndToken() throws IOException {
    try (HeldLock held = HeldLock.hold(locks, "orders:42", "order worker 7", true)) {
      Cli.Result result = inspect("orders:42");

      assertThat(result.status()).isZero();
      assertThat(result.err()).isEmpty();
      assertThat(result.out()).startsWith("lock 'orders:42' is held\n")
          .contains("  holder:        thread 'order worker 7' of process " + ProcessHandle.current().pid()
              + " on host " + holderHost() + "\n")
          .containsPattern("  acquired at:   \\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z \\(by the holder's clock\\)\n")
          .containsPattern("  lease left:    [0-9.]+ s\n")
          .contains("  fencing token: " + held.fencingToken() + "\n");
      assertThat(held.fencingToken()).isPositive();
    }
  }

  @Test
  void holderThatDrewNoTokenShowsNoneDrawnYet() {
    try (HeldLock held = HeldLock.hold(locks, "reports")) {
      Cli.Result result = inspect("reports");

      assertThat(result.status()).isZero();
      assertThat(result.out()).contains("  fencing token: none drawn yet");
    }
  }

  @Test
  void freeLockExitsOne() {
    Cli.Result result = inspect("nobody holds this");

    assertThat(result.status()).isEqualTo(1);
    assertThat(result.out()).isEqualTo("lock 'nobody holds this' is free\n");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void releasedLockIsFree() {
    HeldLock.hold(locks, "short job").close();

    assertThat(inspect("short job").status()).isEqualTo(1);
  }

  @Test
  void lockUnderAnotherPrefixIsNotSeen() {
    try (HeldLock held = HeldLock.hold(locks, "shared")) {
      assertThat(Cli.run("inspect", "shared", "--uri", redis.uri(), "--prefix", "elsewhere:").status()).isEqualTo(1);
    }
  }

  @Test
  void nameWithBracesSpacesAndUnicodeIsFoundUnderItsEscapedKey() {
    String name = "{tenant} a\\b ünï 😀";
    try (HeldLock held = HeldLock.hold(locks, name)) {
      Cli.Result result = inspect(name);

      assertThat(result.status()).isZero();
      assertThat(result.out()).startsWith("lock '" + name + "' is held");
    }
  }

  @Test
  void keyNotWrittenByRedisMutexIsHeldByAnUnknownHolder() {
    redis.commands().set(new LockKeyNames(prefix).keyOf("foreign"), "written by hand");

    Cli.Result result = inspect("foreign");

    assertThat(result.status()).isZero();
    assertThat(result.out()).contains("  holder:        unknown: the key's value is not in redis-mutex's format\n")
        .contains("  lease left:    no expiry\n")
        .contains("  fencing token: unknown\n")
        .doesNotContain("acquired at");
  }

  @Test
  void redisUrlIsUsedWithoutUri() {
    try (HeldLock held = HeldLock.hold(locks, "env")) {
      Cli.Result result = Cli.run(Map.of("REDIS_URL", redis.uri()), "inspect", "env", "--prefix", prefix);

      assertThat(result.status()).isZero();
    }
  }

  @Test
  void nameTheLibraryRefusesIsBadUsage() {
    Cli.Result result = inspect("x".repeat(1025));

    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).startsWith("redis-mutex: name must be at most 1024 bytes in UTF-8, was 1025 bytes\n")
        .contains("usage:");
  }

  /** The host name as the library writes it into a lock key (see core's LockValue.hostName). */
  private static String holderHost() throws IOException {
    String fromEnvironment = System.getenv("HOSTNAME");
    return fromEnvironment != null && !fromEnvironment.isBlank() ? fromEnvironment.trim()
        : InetAddress.getLocalHost().getHostName();
  }
}
