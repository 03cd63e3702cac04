package io.github.redismutex;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A count of operations under way (acquisitions in Redis, releases awaiting their answer) that {@code close()} can
 * wait out, for a bounded time, before it closes the connections they need. Thread-safe.
 */
final class InFlight {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition(); // signalled when count drops to 0
  private int count; // guarded by lock; >= 0

  void enter() {
    lock.lock();
    try {
      count++;
    } finally {
      lock.unlock();
    }
  }

  void exit() {
    lock.lock();
    try {
      if (--count == 0) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Waits until nothing is under way, at most {@code bound}; true if nothing is. Keeps an interrupt for later. */
  boolean awaitIdle(Duration bound) {
    long nanos = bound.toNanos();
    boolean interrupted = false;
    lock.lock();
    try {
      while (count > 0 && nanos > 0) {
        try {
          nanos = idle.awaitNanos(nanos);
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      return count == 0;
    } finally {
      lock.unlock();
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  int count() {
    lock.lock();
    try {
      return count;
    } finally {
      lock.unlock();
    }
  }
}
