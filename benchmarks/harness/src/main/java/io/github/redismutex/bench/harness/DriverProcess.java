package io.github.redismutex.bench.harness;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One driver JVM running one scenario: its {@code RESULT} lines are collected, everything else it prints goes to a
 * log file. Every wait on it is bounded; a driver that overruns is killed.
 */
final class DriverProcess implements AutoCloseable {
  /** The same flags for every system. */
  private static final List<String> JVM_FLAGS =
      List.of("-Xms256m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");

  private final Process process;
  private final Map<String, String> results = new LinkedHashMap<>();
  private final Thread reader;
  private final String label;

  DriverProcess(Path jar, String label, Path log, List<String> arguments) {
    this(javaBinary(), jar, label, log, arguments);
  }

  /** A driver on another JDK than the harness's: {@code java} is that JDK's bin/java. */
  DriverProcess(String java, Path jar, String label, Path log, List<String> arguments) {
    this.label = label;
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(JVM_FLAGS);
    command.addAll(List.of("-jar", jar.toString()));
    command.addAll(arguments);
    try {
      Files.createDirectories(log.getParent());
      Files.writeString(log, "$ " + String.join(" ", command) + "\n", StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      process = new ProcessBuilder(command).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    reader = new Thread(() -> read(log), "bench-driver-output-" + label);
    reader.setDaemon(true);
    reader.start();
  }

  private void read(Path log) {
    try (BufferedReader lines = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(log, StandardOpenOption.APPEND))) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.println(line);
        if (line.startsWith("RESULT ")) {
          String[] parts = line.split(" ", 3);
          synchronized (results) {
            results.put(parts[1], parts.length > 2 ? parts[2] : "");
            results.notifyAll();
          }
        }
      }
    } catch (IOException e) {
      // the process went away; what it reported is kept
    }
  }

  /** Waits for the driver to exit and returns what it reported; a driver past {@code timeoutSeconds} is killed. */
  Map<String, String> finish(long timeoutSeconds) {
    try {
      if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(label + " did not finish within " + timeoutSeconds + " s");
      }
      reader.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    synchronized (results) {
      if (results.isEmpty() || process.exitValue() != 0) {
        throw new IllegalStateException(label + " failed (exit " + process.exitValue() + "); see its log");
      }
      return new LinkedHashMap<>(results);
    }
  }

  /** Waits until the driver has reported {@code name}; its value. */
  String await(String name, long timeoutSeconds) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    synchronized (results) {
      while (!results.containsKey(name)) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (results.containsKey("unavailable")) {
          throw new UnsupportedOperationException(results.get("unavailable"));
        }
        if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
          throw new IllegalStateException(label + " did not report " + name + " within " + timeoutSeconds + " s");
        }
        try {
          results.wait(Math.min(left, 200));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return results.get(name);
    }
  }

  /** SIGKILL, and waits until the process is gone. */
  void kill() {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException(label + " still alive 10 s after SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
    }
  }

  private static String javaBinary() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
