package io.github.redismutex.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-made histories: every kind of violation must be reported, and clean histories must pass. */
class HistoryCheckerTest {
  private static final long MS = 1_000;
  private final HistoryChecker checker = new HistoryChecker(50 * MS);

  private static CriticalSection section(String client, String lock, long token, long enterMs, long exitMs,
      boolean lost) {
    return new CriticalSection(client, "t1", lock, token, enterMs * MS, exitMs * MS, lost);
  }

  private static Wait waited(long timeoutMs, long startMs, long endMs, boolean acquired) {
    return new Wait("c", "t1", "a", timeoutMs * MS, startMs * MS, endMs * MS, acquired);
  }

  private HistoryChecker.Report check(List<CriticalSection> sections, List<Wait> waits) {
    return checker.check(new History.Records(new ArrayList<>(sections), waits));
  }

  @Test
  void sectionsOneAfterAnotherWithGrowingTokensAndPunctualWaitsPass() {
    HistoryChecker.Report report = check(
        List.of(section("a", "x", 1, 0, 10, false), section("b", "x", 2, 11, 20, false),
            section("a", "y", 1, 5, 15, false), section("c", "x", 3, 21, 30, false)),
        List.of(waited(100, 0, 11, true), waited(100, 0, 130, false)));
    assertThat(report.clean()).as(report.details()).isTrue();
    assertThat(report.sections()).isEqualTo(4);
    assertThat(report.timedOutWaits()).isEqualTo(1);
    assertThat(report.maxLatenessMicros()).isEqualTo(30 * MS);
  }

  @Test
  void twoHoldersThatBothBelievedTheyHeldTheLockAtOnceAreAnOverlap() {
    HistoryChecker.Report report =
        check(List.of(section("a", "x", 1, 0, 10, false), section("b", "x", 2, 9, 20, false)), List.of());
    assertThat(report.overlaps()).hasSize(1).first().asString().contains("a/t1").contains("b/t1");
    assertThat(report.clean()).isFalse();
  }

  @Test
  void aSectionNestedInsideAnotherIsAnOverlapEvenWhenNotAdjacentInEntryOrder() {
    HistoryChecker.Report report = check(List.of(section("a", "x", 1, 0, 100, false),
        section("b", "x", 2, 10, 20, true), section("c", "x", 3, 50, 60, false)), List.of());
    assertThat(report.overlaps()).hasSize(1).first().asString().contains("c/t1");
    assertThat(report.staleOverlaps()).isEqualTo(1);
  }

  @Test
  void anOverlapWithAHolderThatKnewItsLeaseWasLostIsAllowedWhenFenced() {
    HistoryChecker.Report report =
        check(List.of(section("paused", "x", 1, 0, 50, true), section("b", "x", 2, 30, 40, false)), List.of());
    assertThat(report.clean()).as(report.details()).isTrue();
    assertThat(report.staleOverlaps()).isEqualTo(1);
    assertThat(report.lostSections()).isEqualTo(1);
  }

  @Test
  void anOverlapWhereTheLaterHolderHasNoHigherTokenIsUnfenced() {
    HistoryChecker.Report report =
        check(List.of(section("paused", "x", 5, 0, 50, true), section("b", "x", 5, 30, 40, false)), List.of());
    assertThat(report.unfencedOverlaps()).hasSize(1);
    assertThat(report.overlaps()).isEmpty();
  }

  @Test
  void anOverlapWithAnUnknownTokenIsUnfenced() {
    HistoryChecker.Report report =
        check(List.of(section("paused", "x", 1, 0, 50, true), section("b", "x", -1, 30, 40, false)), List.of());
    assertThat(report.unfencedOverlaps()).hasSize(1);
  }

  @Test
  void aStaleHolderThatGotNoTokenIsFencedOut() {
    HistoryChecker.Report report =
        check(List.of(section("b", "x", 7, 0, 50, false), section("paused", "x", -1, 30, 40, true)), List.of());
    assertThat(report.unfencedOverlaps()).as(report.details()).isEmpty();
    assertThat(report.staleOverlaps()).isEqualTo(1);
  }

  @Test
  void twoHoldersWithoutTokensThatBothLostTheirLeaseAreUnfenced() {
    HistoryChecker.Report report =
        check(List.of(section("a", "x", -1, 0, 50, true), section("b", "x", -1, 30, 40, true)), List.of());
    assertThat(report.unfencedOverlaps()).hasSize(1);
  }

  @Test
  void tokensThatDoNotGrowInOrderOfEntryAreReported() {
    HistoryChecker.Report report = check(List.of(section("a", "x", 7, 0, 10, false),
        section("b", "x", 3, 20, 30, false), section("c", "x", 3, 40, 50, false)), List.of());
    assertThat(report.tokenDecreases()).hasSize(2);
    assertThat(report.overlaps()).isEmpty();
  }

  @Test
  void aStaleHolderThatEnteredLateWithALowerTokenIsFencedAndNoTokenDecrease() {
    // paused between acquiring (token 1) and recording its entry; the next holder (token 2) entered before it
    HistoryChecker.Report report =
        check(List.of(section("b", "x", 2, 0, 40, false), section("paused", "x", 1, 30, 50, true)), List.of());
    assertThat(report.clean()).as(report.details()).isTrue();
  }

  @Test
  void anOverlapWhereTheStaleHolderHasTheHigherTokenIsUnfenced() {
    HistoryChecker.Report report =
        check(List.of(section("b", "x", 1, 0, 40, false), section("stale", "x", 2, 30, 50, true)), List.of());
    assertThat(report.unfencedOverlaps()).hasSize(1);
  }

  @Test
  void tokensOfDifferentLocksAreIndependent() {
    HistoryChecker.Report report =
        check(List.of(section("a", "x", 7, 0, 10, false), section("b", "y", 1, 20, 30, false)), List.of());
    assertThat(report.clean()).isTrue();
  }

  @Test
  void aWaiterThatReturnedLaterThanItsTimeoutAllowsIsReported() {
    HistoryChecker.Report report = check(List.of(), List.of(waited(100, 0, 151, false), waited(100, 0, 150, false)));
    assertThat(report.lateWaits()).hasSize(1).first().asString().contains("51 ms past");
    assertThat(report.maxLatenessMicros()).isEqualTo(51 * MS);
  }

  @Test
  void aWaitThatSpannedAPauseOfItsOwnProcessIsNotLate() {
    HistoryChecker pausing = new HistoryChecker(50 * MS, List.of(new HistoryChecker.ProcessPause("c", 100 * MS,
        3000 * MS), new HistoryChecker.ProcessPause("other", 0, 10_000 * MS)), List.of());
    HistoryChecker.Report report = pausing.check(new History.Records(List.of(),
        List.of(waited(400, 0, 3100, false), waited(400, 4000, 4500, false))));
    assertThat(report.lateWaits()).hasSize(1).first().asString().contains("took 500 ms");
  }

  @Test
  void tokensOfSectionsOnEitherSideOfAFencingCounterResetAreNotCompared() {
    HistoryChecker resetAt35 = new HistoryChecker(50 * MS, List.of(), List.of(35 * MS));
    List<CriticalSection> sections = List.of(section("paused", "x", 100, 0, 50, true), // stale, token from before
        section("b", "x", 1, 40, 60, false), // after the reset: tokens start again
        section("c", "x", 2, 70, 80, false));
    HistoryChecker.Report report = resetAt35.check(new History.Records(sections, List.of(), List.of()));
    assertThat(report.unfencedOverlaps()).as(report.details()).isEmpty();
    assertThat(report.tokenDecreases()).as(report.details()).isEmpty();
    assertThat(checker.check(new History.Records(sections, List.of(), List.of())).unfencedOverlaps())
        .as("without the reset, the stale holder's higher token would win").hasSize(1);
  }

  @Test
  void anOverlapOfHoldersThatKeptTheirLeaseIsAViolationWhateverTheCountersDid() {
    HistoryChecker resetAt5 = new HistoryChecker(50 * MS, List.of(), List.of(5 * MS));
    HistoryChecker.Report report = resetAt5.check(new History.Records(
        List.of(section("a", "x", 1, 0, 10, false), section("b", "x", 2, 9, 20, false)), List.of(), List.of()));
    assertThat(report.overlaps()).hasSize(1);
  }

  @Test
  void lateTimeInWhichTheWaitersProcessDidNotRunIsNotCountedAgainstTheLock() {
    List<Wait> waits = List.of(waited(100, 0, 900, false), waited(100, 1000, 1900, false));
    List<Hiccup> hiccups = List.of(new Hiccup("c", 50 * MS, 800 * MS), new Hiccup("other", 1000 * MS, 1900 * MS));
    HistoryChecker.Report report = checker.check(new History.Records(List.of(), waits, hiccups));
    assertThat(report.lateWaits()).hasSize(1).first().asString().contains("took 900 ms").contains("800 ms past");
    assertThat(report.maxLatenessMicros()).isEqualTo(800 * MS);
    assertThat(report.hiccups()).isEqualTo(2);
  }

  @Test
  void historiesWrittenByClientsAreMergedAndATornLastLineIsSkipped(@TempDir Path dir) throws Exception {
    Path first = dir.resolve("a.history");
    Path second = dir.resolve("b.history");
    try (History a = History.appendingTo(first); History b = History.appendingTo(second)) {
      a.section(section("a", "x", 1, 0, 10, false));
      b.section(section("b", "x", 2, 5, 20, false));
      b.waited(waited(100, 0, 5, true));
      b.hiccup(new Hiccup("b", 0, 90 * MS));
    }
    Files.writeString(second, "S\tb\tt1\tx\t3\t30", StandardOpenOption.APPEND); // killed mid-line
    HistoryChecker.Report report = checker.check(History.read(List.of(first, second, dir.resolve("missing"))));
    assertThat(report.sections()).isEqualTo(2);
    assertThat(report.waits()).isEqualTo(1);
    assertThat(report.hiccups()).isEqualTo(1);
    assertThat(report.overlaps()).hasSize(1);
  }
}
