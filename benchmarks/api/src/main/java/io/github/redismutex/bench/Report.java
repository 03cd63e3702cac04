package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What a driver tells the harness: lines {@code RESULT name value} on standard output (everything else there, and
 * all of standard error, is only logged), plus the arithmetic of medians and percentiles.
 */
public final class Report {
  private Report() {}

  public static synchronized void result(String name, Object value) {
    System.out.println("RESULT " + name + " " + value);
    System.out.flush();
  }

  public static void result(String name, long value) {
    result(name, (Object) Long.toString(value));
  }

  public static void result(String name, double value) {
    result(name, fmt(value));
  }

  /** The median of each repetition's figure, and the figures themselves as {@code name.reps}. */
  public static void medianOf(String name, double[] perRepetition) {
    Map<String, String> figures = new LinkedHashMap<>();
    putMedianOf(figures, name, perRepetition);
    figures.forEach(Report::result);
  }

  /** As {@link #medianOf}, into {@code figures} instead of standard output (for figures put together later). */
  public static void putMedianOf(Map<String, String> figures, String name, double[] perRepetition) {
    figures.put(name, fmt(median(perRepetition)));
    figures.put(name + ".reps", Arrays.stream(perRepetition).mapToObj(Report::fmt).collect(Collectors.joining(",")));
  }

  /** A figure as every RESULT line writes it: three decimals. */
  public static String fmt(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  public static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  }

  /** The p-th percentile (0 to 1) of {@code values}, nearest rank. */
  public static long percentile(long[] values, int count, double p) {
    long[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    int rank = (int) Math.ceil(p * count);
    return sorted[Math.max(0, Math.min(count - 1, rank - 1))];
  }
}
