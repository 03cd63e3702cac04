package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures of one mix of the read-write scenario, from each repetition's reads, writes and torn reads (added up
 * over the JVMs), the counter read after it and the commands Redis ran in its window ({@code null}: not counted).
 */
public final class ReadWriteFigures {
  /** The commands of the operations themselves, which are not the lock's: a write's GET, SET, SET; a read's MGET. */
  private static final int WRITE_COMMANDS = 3;
  private static final int READ_COMMANDS = 1;

  private final double seconds;
  private final double[] operations;
  private final double[] reads;
  private final double[] writes;
  private final double[] lockCommands;
  private int repetitions;
  private boolean commandsCounted = true;
  private long lostWrites;
  private long tornReads;

  public ReadWriteFigures(int reps, double seconds) {
    this.seconds = seconds;
    operations = new double[reps];
    reads = new double[reps];
    writes = new double[reps];
    lockCommands = new double[reps];
  }

  /** One repetition: the JVMs' reads, writes and torn reads, the counter afterwards, the window's commands. */
  public void add(long readCount, long writeCount, long torn, long counter, Long commands) {
    int rep = repetitions++;
    long total = readCount + writeCount;
    operations[rep] = total / seconds;
    reads[rep] = readCount / seconds;
    writes[rep] = writeCount / seconds;
    lostWrites += writeCount - counter;
    tornReads += torn;
    if (commands == null || total == 0) {
      commandsCounted = false;
    } else {
      lockCommands[rep] = (double) (commands - WRITE_COMMANDS * writeCount - READ_COMMANDS * readCount) / total;
    }
  }

  /** Figure name to value, as the drivers report them. */
  public Map<String, String> figures() {
    Map<String, String> figures = new LinkedHashMap<>();
    Report.putMedianOf(figures, "operations_per_s", Arrays.copyOf(operations, repetitions));
    Report.putMedianOf(figures, "reads_per_s", Arrays.copyOf(reads, repetitions));
    Report.putMedianOf(figures, "writes_per_s", Arrays.copyOf(writes, repetitions));
    if (commandsCounted) {
      Report.putMedianOf(figures, "lock_commands_per_operation", Arrays.copyOf(lockCommands, repetitions));
    }
    figures.put("lost_writes", Long.toString(lostWrites));
    figures.put("torn_reads", Long.toString(tornReads));
    return figures;
  }
}
