package io.github.redismutex.bench;

import java.util.List;

/**
 * One mix of the read-write scenario R: each operation is a read with probability {@code readPercent} %, else a
 * write. The driver runs every mix in turn and the harness reads their figures back under the same names.
 */
public record ReadWriteMix(String name, int readPercent) {
  /** Read-mostly (90 % reads), then write-heavy (10 % reads: the mirror image, close to D's all-writes). */
  public static final List<ReadWriteMix> ALL =
      List.of(new ReadWriteMix("read-mostly", 90), new ReadWriteMix("write-heavy", 10));

  /** The run (warm-up or repetition) of this mix, as the keys' hash tag: e.g. {@code read-mostly-rep0}. */
  public String run(String repetition) {
    return name + "-" + repetition;
  }

  /** The value the write lock protects: writers GET it, add one, SET it. */
  public String counterKey(String run) {
    return BenchKeys.balance(run, "bench-rw");
  }

  /** A copy of the counter, SET by writers after the counter: a reader that sees the two differ saw a write. */
  public String mirrorKey(String run) {
    return BenchKeys.balance(run, "bench-rw-mirror");
  }
}
