package io.github.redismutex.support;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/** Sends POSIX signals by process id ({@code kill -STOP pid}), for pausing and resuming processes in fault tests. */
public final class Signals {
  private Signals() {}

  public static void send(long pid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + signal + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run kill", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
