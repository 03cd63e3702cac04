package io.github.redismutex.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.function.Function;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * V: C's deposit on 20 accounts by many virtual threads ({@code --thread-kind virtual}) or fewer platform threads
 * ({@code platform}), on a JDK of 21 or later. The build targets Java 17, so virtual threads are made through
 * {@code Thread.ofVirtual()} looked up at run time. A JFR recording counts {@code jdk.VirtualThreadPinned} events:
 * every park of a virtual thread that could not leave its carrier (threshold 0, where JFR's default is 20 ms).
 */
final class VirtualThreadsScenario {
  private static final String PINNED = "jdk.VirtualThreadPinned";

  private VirtualThreadsScenario() {}

  static void run(Args args) {
    String kind = args.text("thread-kind", "virtual");
    ThreadFactory threadFactory = switch (kind) {
      case "virtual" -> virtualThreadFactory();
      case "platform" -> Thread::new;
      default -> throw new IllegalArgumentException("--thread-kind is virtual or platform, not " + kind);
    };
    int threads = (int) args.number("threads", kind.equals("virtual") ? 2000 : 200);
    String[] names = BenchKeys.accounts((int) args.number("names", 20));
    Report.result("java_version", System.getProperty("java.version"));
    try (Recording recording = new Recording()) {
      recording.enable(PINNED).withThreshold(Duration.ZERO).withStackTrace();
      recording.start(); // warm-up included: a pinning there is one all the same
      DepositScenario.runOneJvm(args, names, threads, threadFactory);
      recording.stop();
      reportPinned(recording);
    }
  }

  /** {@code Thread.ofVirtual().factory()}, or a clear failure on a JDK without virtual threads. */
  private static ThreadFactory virtualThreadFactory() {
    try {
      Class<?> builder = Class.forName("java.lang.Thread$Builder$OfVirtual");
      MethodHandles.Lookup lookup = MethodHandles.publicLookup();
      MethodHandle ofVirtual = lookup.findStatic(Thread.class, "ofVirtual", MethodType.methodType(builder));
      MethodHandle factory = lookup.findVirtual(builder, "factory", MethodType.methodType(ThreadFactory.class));
      return (ThreadFactory) factory.invoke(ofVirtual.invoke());
    } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
      throw new IllegalStateException("virtual threads need JDK 21 or later; this driver runs on Java "
          + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")", e);
    } catch (Throwable e) {
      throw new IllegalStateException("Thread.ofVirtual().factory() failed", e);
    }
  }

  /** The number of pinned parks, and where the most frequent happened (its first frame outside the JDK). */
  private static void reportPinned(Recording recording) {
    List<RecordedEvent> events;
    try {
      Path file = Files.createTempFile("bench-pinned-", ".jfr");
      try {
        recording.dump(file);
        events = RecordingFile.readAllEvents(file);
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<RecordedEvent> pinned = events.stream().filter(e -> e.getEventType().getName().equals(PINNED)).toList();
    Report.result("pinned_events", pinned.size());
    pinned.stream().map(VirtualThreadsScenario::firstFrameOutsideJdk)
        .collect(Collectors.groupingBy(Function.identity(), Collectors.counting())).entrySet().stream()
        .max(Map.Entry.comparingByValue())
        .ifPresent(top -> Report.result("notes", "most pinned parks (" + top.getValue() + ") at " + top.getKey()));
  }

  private static String firstFrameOutsideJdk(RecordedEvent event) {
    if (event.getStackTrace() == null) {
      return "no stack trace";
    }
    return event.getStackTrace().getFrames().stream().map(RecordedFrame::getMethod)
        .map(method -> method.getType().getName() + "." + method.getName())
        .filter(frame -> !frame.startsWith("java.") && !frame.startsWith("jdk.") && !frame.startsWith("sun."))
        .findFirst().orElse("JDK frames only");
  }
}
