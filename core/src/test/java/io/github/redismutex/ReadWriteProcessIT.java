package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.support.ChildJvm;
import io.github.redismutex.support.LockOwner;
import io.github.redismutex.support.ReadWriteClientMain;
import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RedisReadWriteLock} across real processes: what two JVMs' sections show (readers together, writers alone),
 * a reader killed with SIGKILL, and a writer among readers that never stop coming.
 */
@ExtendWith(RedisExtension.class)
class ReadWriteProcessIT {
  private final RedisServer redis;
  private final String prefix = "rw-process-" + UUID.randomUUID() + ":";

  ReadWriteProcessIT(RedisServer redis) {
    this.redis = redis;
  }

  /** One section of the mixed workload, on the one clock of the machine. */
  record Section(int process, boolean write, long start, long end, long waitNanos, boolean valid) {
    boolean overlaps(Section other) {
      return start < other.end && other.start < end;
    }
  }

  @Test
  void twoJvmsReadTogetherWhileEveryWriterIsAlone() throws Exception {
    List<Section> sections = new ArrayList<>();
    try (ChildJvm first = mix(); ChildJvm second = mix()) {
      sections.addAll(sections(first, 0));
      sections.addAll(sections(second, 1));
    }
    List<Section> writes = sections.stream().filter(Section::write).toList();
    long writerOverlaps = 0;
    for (Section write : writes) {
      writerOverlaps += sections.stream().filter(s -> s != write && s.overlaps(write)).count();
    }
    long crossProcessReads = 0;
    for (Section read : sections) {
      crossProcessReads += sections.stream()
          .filter(s -> !read.write() && !s.write() && s.process() > read.process() && s.overlaps(read)).count();
    }
    long worstWriterWaitMillis = TimeUnit.NANOSECONDS.toMillis(
        writes.stream().mapToLong(Section::waitNanos).max().orElse(0));
    System.out.printf("2 JVMs x 4 threads, 10%% writes: %d sections (%d writes); %d overlaps with a writer;"
        + " %d overlapping read pairs across the JVMs; worst writer wait %d ms%n", sections.size(), writes.size(),
        writerOverlaps, crossProcessReads, worstWriterWaitMillis);
    assertThat(writes).as("writes happened").isNotEmpty();
    assertThat(writerOverlaps).as("sections that overlap a write section").isZero();
    assertThat(crossProcessReads).as("readers of the two JVMs inside together").isPositive();
  }

  @Test
  void aKilledReadersHoldEndsWithItsOwnLeaseWhileTheOtherReadersKeepTheirs() throws Exception {
    try (RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
        LockOwner reader = new LockOwner("reader");
        LockOwner writer = new LockOwner("writer");
        ChildJvm child = ChildJvm.start(ReadWriteClientMain.class, "read-hold", redis.uri(), prefix, "doc", "1000")) {
      child.awaitLine("HELD", 30, TimeUnit.SECONDS);
      RedisReadWriteLock lock = locks.readWriteLock("doc");
      reader.lock(lock.readLock());
      assertThat(lock.getReadLockCount()).isEqualTo(2);
      child.kill();
      long killed = System.nanoTime();
      await().atMost(Duration.ofSeconds(5)).until(() -> lock.getReadLockCount() == 1);
      System.out.printf("the killed reader's hold (lease 1 s) ended %d ms after SIGKILL%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed));
      assertThat(reader.call(lock.readLock()::isLeaseValid)).as("the live reader's lease").isTrue();
      assertThat(writer.tryLock(lock.writeLock(), 300)).as("the live reader still holds").isFalse();
      reader.unlock(lock.readLock());
      assertThat(writer.tryLock(lock.writeLock(), 5_000)).isTrue();
    }
  }

  @Test
  void aWriterAmongReadersThatNeverStopComingStillGetsItsTurn() throws Exception {
    try (RedisLocks locks = RedisLocks.builder().uri(redis.uri()).keyPrefix(prefix).build();
        ChildJvm first = readers();
        ChildJvm second = readers()) {
      first.awaitLine("READING", 30, TimeUnit.SECONDS);
      second.awaitLine("READING", 30, TimeUnit.SECONDS);
      RedisReadWriteLock lock = locks.readWriteLock("doc");
      await().atMost(Duration.ofSeconds(10)).until(() -> lock.getReadLockCount() >= 4);
      long worst = 0;
      for (int i = 0; i < 20; i++) {
        long asked = System.nanoTime();
        assertThat(lock.writeLock().tryLock(10, TimeUnit.SECONDS)).as("writer turn %d", i).isTrue();
        worst = Math.max(worst, System.nanoTime() - asked);
        assertThat(lock.getReadLockCount()).as("no reader inside with the writer").isZero();
        lock.writeLock().unlock();
        await().atMost(Duration.ofSeconds(10)).until(() -> lock.getReadLockCount() >= 2); // readers are back
      }
      System.out.printf("writer among 2 JVMs x 3 readers (50 ms holds, never a gap): worst wait of 20 turns %d ms%n",
          TimeUnit.NANOSECONDS.toMillis(worst));
    }
  }

  private ChildJvm mix() {
    return ChildJvm.start(ReadWriteClientMain.class, "mix", redis.uri(), prefix, "doc", "4000", "4", "10", "2");
  }

  private ChildJvm readers() {
    return ChildJvm.start(ReadWriteClientMain.class, "readers", redis.uri(), prefix, "doc", "3", "50");
  }

  static List<Section> sections(ChildJvm child, int process) throws InterruptedException {
    List<Section> sections = new ArrayList<>();
    while (true) {
      String line = child.awaitLine("", 60, TimeUnit.SECONDS);
      if (line.equals("DONE")) {
        return sections;
      }
      if (line.startsWith("S ")) {
        String[] f = line.split(" ");
        sections.add(new Section(process, f[1].equals("W"), Long.parseLong(f[2]), Long.parseLong(f[3]),
            Long.parseLong(f[4]), f[5].equals("1")));
      }
    }
  }
}
