package io.github.redismutex.history;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An append-only record of critical sections and waits, one line per record, in a file per client so that clients
 * in other JVMs (and ones killed with SIGKILL) leave a readable history: every record is written and flushed
 * whole, so at worst a killed client loses the section it was in. {@link #read} merges files. Thread-safe.
 *
 * <p>Line formats (tab-separated; names must not contain tabs or newlines):
 * {@code S client thread lock token enterMicros exitMicros leaseLost} and
 * {@code W client thread lock timeoutMicros startMicros endMicros acquired} and
 * {@code H client - - 0 fromMicros toMicros false} (a {@link Hiccup}).
 */
public final class History implements AutoCloseable {
  private final Writer out;

  private History(Writer out) {
    this.out = out;
  }

  /** Appends to {@code file}, creating it (and its directory) if needed. */
  public static History appendingTo(Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      return new History(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Wall-clock microseconds since the epoch: the one time base of every record. */
  public static long nowMicros() {
    return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
  }

  void section(CriticalSection s) {
    append(String.join("\t", "S", s.client(), s.thread(), s.lock(), Long.toString(s.token()),
        Long.toString(s.enterMicros()), Long.toString(s.exitMicros()), Boolean.toString(s.leaseLost())));
  }

  void waited(Wait w) {
    append(String.join("\t", "W", w.client(), w.thread(), w.lock(), Long.toString(w.timeoutMicros()),
        Long.toString(w.startMicros()), Long.toString(w.endMicros()), Boolean.toString(w.acquired())));
  }

  void hiccup(Hiccup h) {
    append(String.join("\t", "H", h.client(), "-", "-", "0", Long.toString(h.fromMicros()),
        Long.toString(h.toMicros()), "false"));
  }

  private synchronized void append(String line) {
    try {
      out.write(line);
      out.write('\n');
      out.flush(); // one write per record: a SIGKILL cannot leave half a line behind another
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The records of all files, merged. A torn last line (a killed writer) is skipped. */
  public static Records read(Collection<Path> files) {
    List<CriticalSection> sections = new ArrayList<>();
    List<Wait> waits = new ArrayList<>();
    List<Hiccup> hiccups = new ArrayList<>();
    for (Path file : files) {
      if (!Files.exists(file)) {
        continue;
      }
      try {
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
          String[] f = line.split("\t", -1);
          if (f.length != 8) {
            continue;
          }
          if (f[0].equals("S")) {
            sections.add(new CriticalSection(f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]),
                Long.parseLong(f[6]), Boolean.parseBoolean(f[7])));
          } else if (f[0].equals("W")) {
            waits.add(new Wait(f[1], f[2], f[3], Long.parseLong(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
                Boolean.parseBoolean(f[7])));
          } else if (f[0].equals("H")) {
            hiccups.add(new Hiccup(f[1], Long.parseLong(f[5]), Long.parseLong(f[6])));
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return new Records(sections, waits, hiccups);
  }

  /** A merged history, as the checker reads it. */
  public record Records(List<CriticalSection> sections, List<Wait> waits, List<Hiccup> hiccups) {
    Records(List<CriticalSection> sections, List<Wait> waits) {
      this(sections, waits, List.of());
    }
  }
}
