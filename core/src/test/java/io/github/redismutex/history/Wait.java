package io.github.redismutex.history;

/**
 * One {@code tryLock(timeout)} call: how long it took against how long it was allowed. Times as in {@link
 * CriticalSection}.
 */
record Wait(String client, String thread, String lock, long timeoutMicros, long startMicros, long endMicros,
    boolean acquired) {

  /** How far the call ran past its timeout; zero or less when it kept to it. */
  long latenessMicros() {
    return endMicros - startMicros - timeoutMicros;
  }

  @Override
  public String toString() {
    return client + "/" + thread + " on '" + lock + "' tryLock(" + timeoutMicros / 1000 + " ms) took "
        + (endMicros - startMicros) / 1000 + " ms" + (acquired ? ", acquired" : ", timed out");
  }
}
