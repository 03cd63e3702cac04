package io.github.redismutex.examples;

import io.github.redismutex.RedisLocks;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;

/**
 * Bob's branch, in a second JVM: the lock must keep deposits apart between processes, not only between threads.
 *
 * <p>The parent {@linkplain #start starts} it once, with the same {@code java} binary and class path, and {@linkplain
 * #awaitReady waits} for a {@code ready} line on its stdout: starting a JVM and connecting takes a second or more,
 * and had Alice begun meanwhile, she would be done before Bob started and nothing would race. For each round the
 * parent writes {@code with-lock} or {@code without-lock} to the child's stdin ({@link #startRound}); the child's
 * tellers start at once and it prints {@code done} when they are finished. End of its stdin ({@link #close}) makes it
 * exit. Its stderr (errors) goes to the parent's.
 */
public final class SecondJvm implements AutoCloseable {
  private static final String REDIS_URL = "REDIS_URL";
  private static final String WITH_LOCK = "with-lock";
  private static final String WITHOUT_LOCK = "without-lock";

  private final Process process;
  private final BufferedReader stdout;
  private final Writer stdin;

  private SecondJvm(Process process) {
    this.process = process;
    this.stdout = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
  }

  /** Starts the child, without waiting for it: this JVM can connect meanwhile. */
  static SecondJvm start(String redisUrl, int tellers, int deposits) throws IOException {
    // C1 only: this JVM lives a few seconds, and the optimizing compiler would spend them taking CPU from the demo.
    List<String> command = List.of(javaBinary(), "-XX:TieredStopAtLevel=1", "-cp", classPath(),
        SecondJvm.class.getName(), Integer.toString(tellers), Integer.toString(deposits));
    ProcessBuilder child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
    // In the environment, not the arguments: a URL may hold a password, and arguments are visible to `ps`.
    child.environment().put(REDIS_URL, redisUrl);
    return new SecondJvm(child.start());
  }

  /** Waits until the child has connected to Redis and waits for {@link #startRound}. */
  void awaitReady() throws IOException {
    expect("ready");
  }

  long pid() {
    return process.pid();
  }

  /** Lets Bob's tellers start their deposits, each inside the lock or not. */
  void startRound(boolean withLock) throws IOException {
    stdin.write((withLock ? WITH_LOCK : WITHOUT_LOCK) + "\n");
    stdin.flush();
  }

  /** Waits until Bob's tellers have made all their deposits of the round. */
  void awaitRound() throws IOException {
    expect("done");
  }

  /**
   * Ends the child: end of its stdin makes it exit (after finishing a round in progress); it is killed if it has not
   * within 10 s, or at once if this thread is interrupted (whose interrupt flag is then set again).
   */
  @Override
  public void close() throws IOException {
    try {
      stdin.close();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void expect(String word) throws IOException {
    String line = stdout.readLine();
    if (!word.equals(line)) {
      // null: the child died (its stack trace is on our stderr) before it could say the word
      throw new IOException("second JVM (pid " + pid() + ") printed " + (line == null ? "nothing" : "'" + line + "'")
          + " where '" + word + "' was expected");
    }
  }

  /** The java binary running this JVM, so the child runs on the same JDK. */
  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * This JVM's class path. Under {@code mvn exec:java} the demo runs inside Maven's JVM, whose {@code
   * java.class.path} holds only Maven's launcher; the project's class path is then the URLs of the class loader the
   * plugin made for it. Under plain {@code java -cp} the application class loader is no URLClassLoader.
   */
  private static String classPath() {
    if (SecondJvm.class.getClassLoader() instanceof URLClassLoader loader) {
      List<String> entries = new ArrayList<>();
      for (URL url : loader.getURLs()) {
        try {
          entries.add(new File(url.toURI()).getPath());
        } catch (URISyntaxException | IllegalArgumentException e) {
          throw new IllegalStateException("class path entry " + url + " is not a local file", e);
        }
      }
      return String.join(File.pathSeparator, entries);
    }
    return System.getProperty("java.class.path");
  }

  /**
   * The child's side. Environment: {@code REDIS_URL}. Arguments: tellers, deposits per teller. Then one line on stdin
   * per round.
   */
  public static void main(String[] args) throws Exception {
    String redisUrl = System.getenv(REDIS_URL);
    if (args.length != 2 || redisUrl == null) {
      System.err.println("usage: REDIS_URL=redis://host:port SecondJvm <tellers> <deposits-per-teller>");
      System.exit(2);
    }
    int tellers = Integer.parseInt(args[0]);
    int deposits = Integer.parseInt(args[1]);

    try (Account account = Account.connect(redisUrl);
        RedisLocks locks = RedisLocks.connect(redisUrl)) {
      System.out.println("ready");
      BufferedReader parent = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      // End of input, when the parent is done or gone, ends the loop and the process.
      for (String round = parent.readLine(); round != null; round = parent.readLine()) {
        Lock lock = switch (round) {
          case WITH_LOCK -> locks.mutex(BankAccountDemo.LOCK_NAME);
          case WITHOUT_LOCK -> null;
          default -> throw new IllegalArgumentException("unknown round '" + round + "'");
        };
        new Branch("bob", account, lock).run(tellers, deposits);
        System.out.println("done");
      }
    }
  }
}
