package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.RedisLocks;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.RegisterExtension;

@SuppressWarnings("try") // a HeldLock in try-with-resources is there to be held, not referenced
class ListIT {
  @RegisterExtension static final LocalRedis redis = new LocalRedis();

  private String prefix;
  private RedisLocks locks;
  private final List<HeldLock> held = new ArrayList<>();

  @BeforeEach
  void openLocks(TestInfo test) {
    prefix = "list-" + test.getTestMethod().orElseThrow().getName() + ":";
    locks = redis.locks(prefix);
  }

  @AfterEach
  void releaseAndClose() {
    held.forEach(HeldLock::close);
    locks.close();
  }

  private void hold(String... names) {
    for (String name : names) {
      held.add(HeldLock.hold(locks, name));
    }
  }

  private Cli.Result list(String... more) {
    List<String> args = new ArrayList<>(List.of("list", "--uri", redis.uri(), "--prefix", prefix));
    args.addAll(List.of(more));
    return Cli.run(args.toArray(String[]::new));
  }

  /** The NAME column of the table: each row's text up to the two spaces before LEASE LEFT. */
  private static List<String> names(Cli.Result result) {
    List<String> lines = result.out().lines().toList();
    int width = lines.get(0).indexOf("LEASE LEFT");
    return lines.subList(1, lines.size() - 1).stream().map(line -> line.substring(0, width).stripTrailing())
        .toList();
  }

  @Test
  void listsHeldLocksByTheirNamesWithHolderAndLease() {
    hold("with space", "{braced}", "a\\b", "ünï😀", "orders:42");

    Cli.Result result = list();

    assertThat(result.status()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).startsWith("NAME ").contains("LEASE LEFT").contains("HOST").contains("PID")
        .contains("THREAD").contains("holder of orders:42").contains(Long.toString(ProcessHandle.current().pid()))
        .endsWith("\n5 held locks\n");
    assertThat(names(result)).containsExactly("a\\b", "orders:42", "with space", "{braced}", "ünï😀");
  }

  @Test
  void leavesOutFreeLocksAndTheLocksOwnOtherKeys() {
    try (HeldLock released = HeldLock.hold(locks, "released", "worker", true)) {
      assertThat(released.fencingToken()).isPositive(); // leaves a :fence key behind, which outlives the lock
    }
    held.add(HeldLock.hold(locks, "held", "worker", true));
    assertThat(redis.commands().keys(prefix + "*")).contains(prefix + "{released}:fence", prefix + "{held}:fence");

    Cli.Result result = list();

    assertThat(names(result)).containsExactly("held");
    assertThat(result.out()).endsWith("\n1 held lock\n");
  }

  @Test
  void patternFiltersOnTheNamesNotOnTheKeys() {
    hold("orders:1", "orders:2", "reports:1", "{tenant}:orders");

    assertThat(names(list("orders:*"))).containsExactly("orders:1", "orders:2");
    assertThat(names(list("{*}:orders"))).containsExactly("{tenant}:orders");
    assertThat(names(list("*:[12]"))).containsExactly("orders:1", "orders:2", "reports:1");
  }

  @Test
  void limitTruncatesAndSaysSo() {
    hold("a", "b", "c", "d", "e");

    Cli.Result truncated = list("--limit", "3");
    Cli.Result exact = list("--limit", "5");

    assertThat(truncated.status()).isZero();
    assertThat(names(truncated)).hasSize(3);
    assertThat(truncated.out())
        .endsWith("\nshowing the first 3 held locks found; there are more: narrow PATTERN or raise --limit\n");
    assertThat(names(exact)).containsExactly("a", "b", "c", "d", "e");
    assertThat(exact.out()).endsWith("\n5 held locks\n");
  }

  @Test
  void locksUnderOtherPrefixesAreNotListed() {
    hold("mine");
    try (RedisLocks others = redis.locks(prefix + "other:");
        HeldLock theirs = HeldLock.hold(others, "theirs")) {
      assertThat(names(list())).containsExactly("mine");
    }
  }

  @Test
  void noHeldLockSaysSo() {
    Cli.Result result = list("orders:*");

    assertThat(result.status()).isZero();
    assertThat(result.out()).isEqualTo("no held lock under prefix '" + prefix + "' matches 'orders:*'\n");
  }

  @Test
  void controlCharactersInNamesCannotBreakTheTable() {
    hold("line\nbreak", "escape\u001b[2J");

    assertThat(names(list())).containsExactly("escape\\u001b[2J", "line\\nbreak");
  }
}
