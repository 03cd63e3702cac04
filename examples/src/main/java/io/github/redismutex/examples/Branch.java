package io.github.redismutex.examples;

import java.util.Collections;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;

/**
 * One bank branch: teller threads that each deposit $50 into the account, again and again. Alice's branch runs in
 * the demo's JVM, Bob's in a second JVM ({@link SecondJvm}); both run this same code.
 */
final class Branch {
  static final long DEPOSIT = 50;

  private final String name;
  private final Account account;
  private final Lock lock; // null in the round without a lock

  Branch(String name, Account account, Lock lock) {
    this.name = name;
    this.account = account;
    this.lock = lock;
  }

  /** Runs {@code tellers} threads that each make {@code deposits} deposits, and returns when all are done. */
  void run(int tellers, int deposits) throws InterruptedException, ExecutionException {
    AtomicInteger ids = new AtomicInteger();
    ExecutorService pool =
        Executors.newFixedThreadPool(tellers, task -> new Thread(task, name + "-teller-" + ids.incrementAndGet()));
    try {
      Callable<Void> teller = () -> {
        for (int i = 0; i < deposits; i++) {
          depositOnce();
        }
        return null;
      };
      for (Future<Void> done : pool.invokeAll(Collections.nCopies(tellers, teller))) {
        done.get(); // rethrows a teller's failure, such as a lost connection
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void depositOnce() throws InterruptedException {
    if (lock == null) {
      account.deposit(DEPOSIT);
      return;
    }
    // The idiom of every java.util.concurrent.locks.Lock; here the lock is held across JVMs.
    lock.lock();
    try {
      account.deposit(DEPOSIT);
    } finally {
      lock.unlock();
    }
  }
}
