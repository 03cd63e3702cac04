package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of a deposit scenario, from each repetition's per-thread acquisition counts, the balances read after
 * it and (where counted) the Redis commands of its window. One JVM's driver (C, V) and the harness (D, M, adding up
 * the counts of several JVMs) compute them the same way.
 */
public final class DepositFigures {
  private final double seconds;
  private final double[] perSecond;
  private final double[] fairness;
  private final double[] lockCommands;
  private int repetitions;
  private boolean commandsCounted = true;
  private long lost;
  private long minimum = Long.MAX_VALUE;
  private long maximum;

  public DepositFigures(int reps, double seconds) {
    this.seconds = seconds;
    perSecond = new double[reps];
    fairness = new double[reps];
    lockCommands = new double[reps];
  }

  /**
   * One repetition: every thread's acquisitions, the sum of the balances afterwards, and the commands Redis ran in
   * the repetition's window ({@code null}: not counted).
   */
  public void add(long[] counts, long balance, Long commands) {
    int rep = repetitions++;
    long total = Arrays.stream(counts).sum();
    long min = Arrays.stream(counts).min().orElse(0);
    long max = Arrays.stream(counts).max().orElse(0);
    lost += total - balance;
    minimum = Math.min(minimum, min);
    maximum = Math.max(maximum, max);
    perSecond[rep] = total / seconds;
    fairness[rep] = max == 0 ? 0 : (double) min / max;
    if (commands == null || total == 0) {
      commandsCounted = false;
    } else {
      // each deposit is 2 commands (GET, SET) of its own: the rest is the lock's
      lockCommands[rep] = (double) (commands - 2 * total) / total;
    }
  }

  /** Figure name to value, as the drivers report them. */
  public Map<String, String> figures() {
    Map<String, String> figures = new LinkedHashMap<>();
    medianOf(figures, "acquisitions_per_s", perSecond);
    medianOf(figures, "min_over_max", fairness);
    // starvation is judged within each repetition, where all threads ran over the same seconds
    figures.put("worst_min_over_max", Report.fmt(Arrays.stream(fairness, 0, repetitions).min().orElse(0)));
    if (commandsCounted) {
      medianOf(figures, "lock_commands_per_acquisition", lockCommands);
    }
    figures.put("lost_updates", Long.toString(lost));
    figures.put("min_thread_acquisitions", Long.toString(repetitions == 0 ? 0 : minimum));
    figures.put("max_thread_acquisitions", Long.toString(maximum));
    return figures;
  }

  private void medianOf(Map<String, String> figures, String name, double[] values) {
    Report.putMedianOf(figures, name, Arrays.copyOf(values, repetitions));
  }
}
