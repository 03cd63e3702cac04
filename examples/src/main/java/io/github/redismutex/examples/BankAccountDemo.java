package io.github.redismutex.examples;

import io.github.redismutex.RedisLocks;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.locks.Lock;

/**
 * Alice and Bob each deposit $50 into one bank account, again and again and at the same time, as in the story of the
 * Upstash blog post <a href="https://upstash.com/blog/lock">"Introducing @upstash/lock"</a>. The balance lives in
 * Redis, and a deposit reads it, adds $50 and writes it back ({@link Account#deposit}).
 *
 * <p>Alice's deposits come from teller threads in this JVM, Bob's from teller threads in a second JVM ({@link
 * SecondJvm}). Round 1 runs them without a lock: deposits that read the same old balance overwrite each other and
 * money is lost. Round 2 wraps each deposit in {@code lock(); try { ... } finally { unlock(); }} on the {@link
 * io.github.redismutex.RedisMutex} "account:1": every dollar arrives. The exit code is 1 if round 2 loses money.
 *
 * <p>Redis: {@code REDIS_URL} if set, else a {@code redis-server} from the PATH or the one in the embedded-redis
 * jar, started for the run ({@link DemoRedis}). From the project root: {@code mvn -q -pl examples -am compile
 * -Pdemo}, or {@code mvn -q install -DskipTests && mvn -q -pl examples exec:java}.
 */
public final class BankAccountDemo {
  static final String LOCK_NAME = "account:1";

  private static final int TELLERS = 8; // threads per branch (JVM)
  private static final int DEPOSITS = 25; // deposits per teller
  private static final long EXPECTED = 2L * TELLERS * DEPOSITS * Branch.DEPOSIT;

  private BankAccountDemo() {}

  public static void main(String[] args) throws Exception {
    boolean lockKeptEveryDollar;
    SimpleMeterRegistry meters = new SimpleMeterRegistry(); // Alice's side of the lock, as Micrometer sees it
    try (DemoRedis redis = DemoRedis.findOrStart();
        SecondJvm bob = SecondJvm.start(redis.url(), TELLERS, DEPOSITS); // starts up while this JVM connects
        Account account = Account.connect(redis.url());
        RedisLocks locks = RedisLocks.builder().uri(redis.url()).meterRegistry(meters).build()) {
      System.out.printf("Redis %s: %s%n", account.serverVersion(), redis.description());
      bob.awaitReady();
      System.out.printf("Alice (%d threads in this JVM, pid %d) and Bob (%d threads in a second JVM, pid %d)%n"
          + "each deposit $%d into account 1, %d times per thread, all at the same time.%n%n",
          TELLERS, ProcessHandle.current().pid(), TELLERS, bob.pid(), Branch.DEPOSIT, DEPOSITS);

      System.out.println("Round 1, without a lock: each deposit is GET balance, add $50, SET balance.");
      round(account, null, bob);

      System.out.printf("Round 2, with RedisMutex \"%s\": lock(); try { deposit } finally { unlock(); }%n", LOCK_NAME);
      lockKeptEveryDollar = round(account, locks.mutex(LOCK_NAME), bob) == EXPECTED;
      printMeters(meters);

      account.delete();
    }
    if (!lockKeptEveryDollar) {
      System.out.println("FAILED: deposits interleaved although each one held the lock.");
      System.exit(1); // after the try block, so that the Redis server we started is stopped first
    }
  }

  /** Runs both branches at once from a $0 balance, prints the outcome, and returns the final balance. */
  private static long round(Account account, Lock lock, SecondJvm bob) throws Exception {
    account.open();
    long started = System.nanoTime();
    bob.startRound(lock != null);
    new Branch("alice", account, lock).run(TELLERS, DEPOSITS);
    bob.awaitRound();
    double seconds = (System.nanoTime() - started) / 1e9;
    long balance = account.balance();
    long lost = EXPECTED - balance;
    System.out.printf("  expected %s, got %s, lost %s", dollars(EXPECTED), dollars(balance), dollars(lost));
    if (lost > 0) {
      System.out.printf(" (%d of %d deposits overwritten)", lost / Branch.DEPOSIT, EXPECTED / Branch.DEPOSIT);
    }
    System.out.printf(" in %.1f s%n", seconds);
    return balance;
  }

  /** The redis.mutex.* meters of this JVM's RedisLocks (see docs/metrics.md), one line each. */
  private static void printMeters(SimpleMeterRegistry meters) {
    System.out.println("\nAlice's meters (redis.mutex.*, this JVM only):");
    meters.getMeters().stream()
        .sorted(Comparator.comparing((Meter meter) -> meter.getId().getName())
            .thenComparing(meter -> meter.getId().getTags().toString()))
        .forEach(meter -> {
          StringBuilder line = new StringBuilder("  ").append(meter.getId().getName());
          meter.getId().getTags().forEach(tag -> line.append(' ').append(tag.getKey()).append('=')
              .append(tag.getValue()));
          meter.measure().forEach(measure -> line.append(String.format(" %s=%.1f",
              measure.getStatistic().name().toLowerCase(Locale.ROOT), measure.getValue())));
          System.out.println(line);
        });
  }

  private static String dollars(long amount) {
    return String.format("$%,d", amount);
  }
}
