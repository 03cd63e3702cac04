package io.github.redismutex.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A second JVM running a test main class on this JVM's class path, with its standard output read line by line. */
public final class ChildJvm implements AutoCloseable {
  private final Process process;
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

  private ChildJvm(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readLines, "child-jvm-" + process.pid() + "-stdout");
    reader.setDaemon(true);
    reader.start();
  }

  public static ChildJvm start(Class<?> mainClass, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        mainClass.getName()));
    command.addAll(List.of(args));
    try {
      return new ChildJvm(new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits for the next line that starts with {@code prefix}, skipping others; fails after the timeout. */
  public String awaitLine(String prefix, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    while (true) {
      String line = lines.poll(Math.max(deadline - System.nanoTime(), 0), TimeUnit.NANOSECONDS);
      if (line == null) {
        throw new AssertionError("child JVM " + process.pid() + " printed no line starting with '" + prefix
            + "' within " + unit.toMillis(timeout) + " ms (alive: " + process.isAlive() + ")");
      }
      if (line.startsWith(prefix)) {
        return line;
      }
    }
  }

  /** Writes one line to the child's standard input. */
  public void send(String line) {
    try {
      process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
      process.getOutputStream().flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  /** SIGKILL, and waits for the process to be gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public int waitForExit(long timeout, TimeUnit unit) throws InterruptedException {
    if (!process.waitFor(timeout, unit)) {
      throw new AssertionError("child JVM " + process.pid() + " did not exit within " + unit.toMillis(timeout) + " ms");
    }
    return process.exitValue();
  }

  /** Kills the process if it is still running (continuing it first, should it be stopped). */
  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        Signals.send(process.pid(), "CONT");
      } catch (IllegalStateException e) {
        // it exited by itself meanwhile: nothing to continue
      }
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt(); // killed all the same; the caller's interrupt is kept
      }
    }
  }

  private void readLines() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        lines.add(line);
      }
    } catch (IOException e) {
      // the process ended
    }
  }
}
