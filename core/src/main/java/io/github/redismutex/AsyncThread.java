package io.github.redismutex;

import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one thread of a {@link RedisLocks} on which its non-blocking API runs, {@code <prefix>-async}: every step of
 * an {@link AsyncAcquisition}, its timers (the deadline, the re-check when a holder's lease ends, the back-off
 * during an outage), and the completion of every stage {@link RedisMutex#acquireAsync()} and {@link LockHold}
 * return. Replies, wake-ups and cancellations arrive on other threads (Redis I/O threads, callers) and are handed
 * here, so the state of an acquisition needs no lock. It is not the watchdog's thread ({@link Background}), which
 * may block for up to half a renewal period awaiting renewals.
 *
 * <p>Started lazily, by the first task: most applications use only the blocking API, and an idle thread in every
 * {@code RedisLocks} would be one more to stop, to find in thread dumps and to account for in tests. A daemon, so
 * that a forgotten {@code close()} does not keep the JVM alive. After {@link #close}, tasks run on the thread that
 * hands them over (a late reply on a Redis I/O thread), so that every stage still completes; by then every
 * acquisition has ended, so they only complete stages. Thread-safe.
 */
final class AsyncThread {
  private final String name;
  private final ReentrantLock lock = new ReentrantLock(); // only around starting and stopping
  private volatile @Nullable ScheduledThreadPoolExecutor executor; // null until first use; written under lock
  private volatile @Nullable Thread thread; // the executor's one thread, once it started
  private boolean closed; // guarded by lock

  AsyncThread(String name) {
    this.name = name;
  }

  /** Runs {@code task} on the thread, after the tasks handed over before it; where it is called once closed. */
  void execute(Runnable task) {
    ScheduledThreadPoolExecutor running = executor();
    if (running != null) {
      try {
        running.execute(task);
        return;
      } catch (RejectedExecutionException e) {
        // closed meanwhile: run it here
      }
    }
    task.run();
  }

  /** Runs {@code task} on the thread in {@code nanos}; null once closed, when nothing is scheduled any more. */
  @Nullable ScheduledFuture<?> schedule(Runnable task, long nanos) {
    ScheduledThreadPoolExecutor running = executor();
    if (running == null) {
      return null;
    }
    try {
      return running.schedule(task, Math.max(nanos, 0), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /**
   * {@code then} applied to a Redis reply, completed on this thread: with what {@code then} returns, else with the
   * exception it throws or the reply's failure (unwrapped, as Lettuce reported it), or, when no reply came within
   * {@code nanos}, with a {@link RedisCommandTimeoutException} saying what went unanswered ({@code what}).
   */
  <T, U> CompletableFuture<U> within(CompletionStage<T> reply, long nanos, String what, Function<T, U> then) {
    CompletableFuture<U> result = new CompletableFuture<>();
    ScheduledFuture<?> timer = schedule(() -> {
      if (result.completeExceptionally(new RedisCommandTimeoutException(
          what + " got no answer from Redis within " + Duration.ofNanos(nanos)))) {
        reply.toCompletableFuture().cancel(false);
      }
    }, nanos);
    reply.whenComplete((value, failure) -> execute(() -> {
      if (timer != null) {
        timer.cancel(false);
      }
      try {
        if (failure != null) {
          result.completeExceptionally(RedisFailures.unwrap(failure));
        } else {
          result.complete(then.apply(value));
        }
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    }));
    return result;
  }

  /** Whether the calling thread is this one: a wait for a task of its own would wait for itself. */
  boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  boolean isStarted() {
    return executor != null;
  }

  private @Nullable ScheduledThreadPoolExecutor executor() {
    ScheduledThreadPoolExecutor running = executor;
    if (running != null) {
      return running;
    }
    lock.lock();
    try {
      if (executor == null && !closed) {
        ScheduledThreadPoolExecutor started = new ScheduledThreadPoolExecutor(1, task -> {
          Thread named = new Thread(task, name);
          named.setDaemon(true);
          thread = named;
          return named;
        });
        started.setRemoveOnCancelPolicy(true); // cancelled timers leave the queue at once: thousands may wait
        started.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        executor = started;
      }
      return closed ? null : executor;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stops the thread once the tasks handed over before have run, waiting at most {@code timeout} (not at all on the
   * thread itself); timers still pending are dropped. Idempotent.
   */
  void close(Duration timeout) {
    ScheduledThreadPoolExecutor running;
    lock.lock();
    try {
      closed = true;
      running = executor;
    } finally {
      lock.unlock();
    }
    if (running == null) {
      return;
    }
    running.shutdown();
    if (isCurrent()) {
      return;
    }
    try {
      running.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
