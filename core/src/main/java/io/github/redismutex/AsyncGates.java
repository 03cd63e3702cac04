package io.github.redismutex;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * This JVM's queue of asynchronous acquisitions for each lock name of one {@link RedisLocks}, in arrival order:
 * only the head contends in Redis, and it stays the head while it holds the lock, until its release has been
 * answered. So however many acquisitions wait for one name, this instance has at most one of them in Redis (no
 * herd: a release wakes one waiter of this instance, not thousands), and a second {@code acquireAsync} waits
 * behind the first. The blocking API's threads have a gate of their own ({@link LocalLock}); an asynchronous hold
 * and a thread of the same instance contend through Redis, as two owners.
 *
 * <p>An entry lives while its queue is not empty, so nothing is kept for names nobody awaits. Confined to the
 * {@link AsyncThread}: every method runs on it. Not thread-safe.
 */
final class AsyncGates {
  private final Map<String, ArrayDeque<AsyncAcquisition>> queues = new HashMap<>(); // never holds an empty queue
  private final AsyncThread thread;

  AsyncGates(AsyncThread thread) {
    this.thread = thread;
  }

  /** Joins the queue of its name; true if it heads it, so it may contend in Redis now. */
  boolean join(AsyncAcquisition acquisition) {
    ArrayDeque<AsyncAcquisition> queue = queues.computeIfAbsent(acquisition.name, n -> new ArrayDeque<>());
    queue.addLast(acquisition);
    return queue.size() == 1;
  }

  /** Whether it heads the queue of its name. */
  boolean heads(AsyncAcquisition acquisition) {
    ArrayDeque<AsyncAcquisition> queue = queues.get(acquisition.name);
    return queue != null && queue.peekFirst() == acquisition;
  }

  /**
   * Leaves the queue (it gave up, or its hold was released). If it was the head, the next in line starts, in a
   * task of its own (so a long run of acquisitions that gave up is no deep recursion). Idempotent.
   */
  void leave(AsyncAcquisition acquisition) {
    ArrayDeque<AsyncAcquisition> queue = queues.get(acquisition.name);
    if (queue == null) {
      return;
    }
    boolean headed = queue.peekFirst() == acquisition;
    if (!queue.removeFirstOccurrence(acquisition)) {
      return;
    }
    AsyncAcquisition next = queue.peekFirst();
    if (next == null) {
      queues.remove(acquisition.name);
    } else if (headed) {
      thread.execute(next::start);
    }
  }

  /** Every acquisition queued, contending or holding: for close(). */
  List<AsyncAcquisition> all() {
    List<AsyncAcquisition> all = new ArrayList<>();
    queues.values().forEach(all::addAll);
    return all;
  }

  /** Names with acquisitions queued, contending or holding. */
  int size() {
    return queues.size();
  }
}
