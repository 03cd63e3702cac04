package io.github.redismutex;

import java.util.concurrent.ScheduledFuture;
import org.jspecify.annotations.Nullable;

/**
 * The steps of a state machine that runs on the {@link AsyncThread} ({@link AsyncAcquisition}): which step is the
 * current one, and its one timer. A reply, wake-up or timer belongs to the step that started it; once the machine
 * has moved on, it is ignored, so a late answer can never act on a later step. Confined to the async thread.
 */
final class AsyncSteps {
  private final AsyncThread thread;
  private int current; // grows by one per step
  private @Nullable ScheduledFuture<?> timer; // the current step's, if it has one

  AsyncSteps(AsyncThread thread) {
    this.thread = thread;
  }

  /** Moves on: the current step's timer is cancelled, and what it started is ignored from now on. */
  int next() {
    ScheduledFuture<?> pending = timer;
    timer = null;
    if (pending != null) {
      pending.cancel(false);
    }
    return ++current;
  }

  boolean isCurrent(int step) {
    return step == current;
  }

  /** Runs {@code task} in {@code nanos} if {@code step} is still the current step then. */
  void schedule(int step, Runnable task, long nanos) {
    timer = thread.schedule(() -> {
      if (isCurrent(step)) {
        task.run();
      }
    }, nanos);
  }

  /** Runs {@code task} on the async thread, soon, if {@code step} is still the current step then. */
  Runnable whenCurrent(int step, Runnable task) {
    return () -> thread.execute(() -> {
      if (isCurrent(step)) {
        task.run();
      }
    });
  }
}
