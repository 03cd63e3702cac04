package io.github.redismutex.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Checks a merged {@link History} against what the lock promises, Jepsen-style: from the records alone, not from
 * what the clients said about themselves.
 * <ul>
 *   <li><b>Mutual exclusion</b>: no two critical sections of one lock whose holders still believed they held it at
 *       exit ({@link CriticalSection#believedHeld()}) overlapped in time. Times are wall-clock microseconds; a
 *       section's enter follows its acquisition and its exit precedes its release, so two sections that follow each
 *       other properly are at least a Redis round trip apart, far above the clock's resolution.
 *   <li><b>Fencing catches the rest</b>: in every overlap at all (including ones where a holder had lost its lease,
 *       which the lease model allows), the holder that kept its lease has the higher token, so a resource that
 *       refuses lower tokens rejects the stale holder's late writes.
 *   <li><b>Tokens grow</b>: per lock, in order of entry, each token of a section that kept its lease is higher than
 *       the one before.
 *   <li>Fencing tokens mean nothing across a reset of the fencing counters (a restart without persistence, an
 *       operator deleting them): the test that caused one says when, and token comparisons between sections that
 *       entered on either side of it are skipped. Overlaps of holders that kept their lease are violations still.
 *   <li><b>Bounded waits</b>: no {@code tryLock(t)} ran past {@code t} by more than the allowed lateness, unless the
 *       test stopped the waiter's own process meanwhile; time in which the process did not run at all (a {@link
 *       Hiccup}: a GC pause, or a machine too busy to schedule it) is not the lock's and is not counted.
 * </ul>
 */
public final class HistoryChecker {
  private final long allowedLatenessMicros;
  private final List<ProcessPause> pauses;
  private final List<Long> counterResetsMicros;

  /** A client process stopped by the test (SIGSTOP) from one time to another: its own waits could not keep time. */
  record ProcessPause(String client, long fromMicros, long toMicros) {}

  /** @param allowedLatenessMicros how far past its timeout a {@code tryLock(t)} may return */
  public HistoryChecker(long allowedLatenessMicros) {
    this(allowedLatenessMicros, List.of(), List.of());
  }

  /** @param counterResetsMicros when the test reset the locks' fencing counters */
  HistoryChecker(long allowedLatenessMicros, List<ProcessPause> pauses, List<Long> counterResetsMicros) {
    this.allowedLatenessMicros = allowedLatenessMicros;
    this.pauses = List.copyOf(pauses);
    this.counterResetsMicros = List.copyOf(counterResetsMicros);
  }

  /** Whether a fencing counter reset happened between the two sections' entries: their tokens do not compare. */
  private boolean resetBetween(CriticalSection one, CriticalSection other) {
    long from = Math.min(one.enterMicros(), other.enterMicros());
    long to = Math.max(one.enterMicros(), other.exitMicros());
    return counterResetsMicros.stream().anyMatch(reset -> reset >= from && reset <= to);
  }

  /**
   * How late a wait was through the lock's own doing: its lateness less the time its process did not run while it
   * waited ({@link Hiccup}s of its client).
   */
  private static long latenessOwnMicros(Wait wait, List<Hiccup> hiccups) {
    long stalled = 0;
    for (Hiccup hiccup : hiccups) {
      if (hiccup.client().equals(wait.client())) {
        stalled += hiccup.overlapMicros(wait.startMicros(), wait.endMicros());
      }
    }
    return wait.latenessMicros() - stalled;
  }

  /** A late wait is the lock's fault unless its own process was stopped while it waited. */
  private boolean excused(Wait wait) {
    return pauses.stream().anyMatch(p -> p.client().equals(wait.client()) && wait.startMicros() < p.toMicros()
        && wait.endMicros() > p.fromMicros());
  }

  /**
   * Whether a resource that refuses tokens lower than the highest it has seen would reject the stale one of two
   * overlapping sections ({@code earlier} entered first): the holder that kept its lease must have the higher
   * token; when both kept it (a violation anyway) the later one; when both lost it, they must at least differ.
   * A stale holder with no token at all is fenced out too: tokens are drawn on demand, and a hold whose lease was
   * lost before it asked (or that could not reach Redis to ask) gets none, so it has nothing a fenced resource
   * would accept.
   */
  private static boolean fenced(CriticalSection earlier, CriticalSection later) {
    if (earlier.believedHeld() != later.believedHeld()) {
      CriticalSection valid = earlier.believedHeld() ? earlier : later;
      CriticalSection stale = earlier.believedHeld() ? later : earlier;
      if (stale.token() < 0) {
        return true;
      }
      return valid.token() >= 0 && valid.token() > stale.token();
    }
    if (earlier.token() < 0 || later.token() < 0) {
      return false;
    }
    return earlier.believedHeld() ? later.token() > earlier.token() : later.token() != earlier.token();
  }

  public Report check(History.Records history) {
    List<String> overlaps = new ArrayList<>();
    List<String> unfenced = new ArrayList<>();
    List<String> tokenDecreases = new ArrayList<>();
    int staleOverlaps = 0;
    Map<String, List<CriticalSection>> byLock = history.sections().stream()
        .collect(Collectors.groupingBy(CriticalSection::lock));
    for (List<CriticalSection> sections : byLock.values()) {
      sections.sort(Comparator.comparingLong(CriticalSection::enterMicros));
      for (int i = 0; i < sections.size(); i++) {
        CriticalSection earlier = sections.get(i);
        // sections are sorted by entry: every later one that enters before this exits overlaps it
        for (int j = i + 1; j < sections.size() && sections.get(j).enterMicros() < earlier.exitMicros(); j++) {
          CriticalSection later = sections.get(j);
          if (earlier.believedHeld() && later.believedHeld()) {
            overlaps.add(earlier + " overlaps " + later);
          } else {
            staleOverlaps++;
          }
          if (!resetBetween(earlier, later) && !fenced(earlier, later)) {
            unfenced.add(earlier + " overlaps " + later + ", and fencing tokens do not tell the stale one");
          }
        }
      }
      // Only sections that were valid at exit: a holder that lost its lease may have entered (recorded its enter
      // time) long after it acquired, and so after holders with higher tokens.
      CriticalSection previous = null;
      for (CriticalSection section : sections) {
        if (section.token() < 0 || !section.believedHeld()) {
          continue;
        }
        if (previous != null && section.token() <= previous.token() && !resetBetween(previous, section)) {
          tokenDecreases.add(previous + " then " + section);
        }
        previous = section;
      }
    }

    List<String> late = new ArrayList<>();
    long maxLateness = 0;
    int timedOut = 0;
    for (Wait wait : history.waits()) {
      if (!wait.acquired()) {
        timedOut++;
      }
      if (excused(wait)) {
        continue;
      }
      long lateness = latenessOwnMicros(wait, history.hiccups());
      maxLateness = Math.max(maxLateness, lateness);
      if (lateness > allowedLatenessMicros) {
        late.add(wait + ": " + lateness / 1000 + " ms past its timeout"
            + (lateness != wait.latenessMicros() ? " besides its process's hiccups" : ""));
      }
    }
    int lost = (int) history.sections().stream().filter(CriticalSection::leaseLost).count();
    long longestHiccup = history.hiccups().stream().mapToLong(h -> h.toMicros() - h.fromMicros()).max().orElse(0);
    return new Report(history.sections().size(), lost, staleOverlaps, history.waits().size(), timedOut,
        maxLateness, history.hiccups().size(), longestHiccup, overlaps, unfenced, tokenDecreases, late);
  }

  /**
   * What the checker found.
   *
   * @param staleOverlaps overlaps in which at least one holder knew its lease was lost: allowed by the lease model
   *     (a paused holder), and harmless if fenced
   * @param maxLatenessMicros the furthest any {@code tryLock(t)} ran past {@code t} (0 if none did), less the
   *     hiccups of its process meanwhile
   * @param hiccups how often a client's process did not run for 50 ms or more ({@link Hiccup})
   */
  public record Report(int sections, int lostSections, int staleOverlaps, int waits, int timedOutWaits,
      long maxLatenessMicros, int hiccups, long longestHiccupMicros, List<String> overlaps, List<String> unfencedOverlaps, List<String> tokenDecreases,
      List<String> lateWaits) {

    /** No violation of any kind. */
    public boolean clean() {
      return overlaps.isEmpty() && unfencedOverlaps.isEmpty() && tokenDecreases.isEmpty() && lateWaits.isEmpty();
    }

    public int violations() {
      return overlaps.size() + unfencedOverlaps.size() + tokenDecreases.size() + lateWaits.size();
    }

    /** One line for test output and the soak table. */
    public String summary() {
      return String.format("%d sections (%d lease lost), %d stale overlaps; %d waits (%d timed out), max lateness"
              + " %.1f ms; %d process hiccups (longest %.0f ms); violations: %d overlaps, %d unfenced overlaps, %d token"
          + " decreases, %d late waits",
          sections, lostSections, staleOverlaps, waits, timedOutWaits, maxLatenessMicros / 1000.0, hiccups,
          longestHiccupMicros / 1000.0, overlaps.size(),
          unfencedOverlaps.size(), tokenDecreases.size(), lateWaits.size());
    }

    /** The summary and the first few violations of each kind, for an assertion message. */
    public String details() {
      StringBuilder text = new StringBuilder(summary());
      for (List<String> kind : List.of(overlaps, unfencedOverlaps, tokenDecreases, lateWaits)) {
        kind.stream().limit(5).forEach(v -> text.append("\n  ").append(v));
      }
      return text.toString();
    }
  }
}
