package io.github.redismutex.bench;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

/**
 * F: the holder's JVM dies (SIGKILL from the harness) while a waiter in another JVM blocks in lock(). The holder
 * ({@link #hold}) takes the lock and waits to be killed; the waiter ({@link #await}) waits until the lock is held,
 * says so, blocks in lock(), and prints the wall-clock time (microseconds) at which it got the lock. The harness
 * reads the key's PTTL right after the kill to learn when the lease ends, and compares.
 */
final class RecoveryScenario {
  private RecoveryScenario() {}

  static void hold(Args args) throws InterruptedException {
    LockSystem system = Driver.open(args);
    system.lock(args.text("name", "bench-recovery")).lock();
    Report.result("held", 1);
    Thread.sleep(TimeUnit.SECONDS.toMillis(120)); // the harness kills this JVM long before
    throw new IllegalStateException("holder was not killed within 120 s");
  }

  static void await(Args args) throws InterruptedException {
    String name = args.text("name", "bench-recovery");
    try (LockSystem system = Driver.open(args); Resp resp = new Resp(args.target().firstPort())) {
      String key = system.keyOf(name);
      Report.result("key", key);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (resp.number("PTTL", key) < 0) { // until the holder holds it
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the holder did not take " + key + " within 60 s");
        }
        Thread.sleep(5);
      }
      Lock lock = system.lock(name);
      AtomicLong acquiredMicros = new AtomicLong();
      Thread waiter = new Thread(() -> {
        lock.lock();
        acquiredMicros.set(epochMicros());
        lock.unlock();
      }, "bench-recovery-waiter");
      waiter.setDaemon(true);
      waiter.start();
      Report.result("waiting", epochMicros());
      waiter.join(TimeUnit.SECONDS.toMillis(60));
      if (acquiredMicros.get() == 0) {
        throw new IllegalStateException("the waiter did not acquire within 60 s");
      }
      Report.result("acquired_epoch_us", acquiredMicros.get());
    }
  }

  /** Wall-clock microseconds: comparable between the JVMs of one machine, unlike System.nanoTime by its contract. */
  static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000 + now.getNano() / 1_000;
  }
}
