package io.github.redismutex.history;

/**
 * A stretch of time in which a client's whole process did not run when it should have (a GC pause, or the machine
 * too busy to schedule it): seen by a thread that sleeps 10 ms at a time and woke up much later. Times as in {@link
 * CriticalSection}. A wait that overran its timeout during a hiccup of its own process was held up by the process,
 * not by the lock, as with a process the test stopped on purpose.
 */
record Hiccup(String client, long fromMicros, long toMicros) {

  /** How much of {@code [from, to]} this hiccup covers. */
  long overlapMicros(long from, long to) {
    return Math.max(0, Math.min(to, toMicros) - Math.max(from, fromMicros));
  }
}
