package io.github.redismutex;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The reply to a request that may need a second command once the first one's answer is in (acquire.lua after a
 * {@code SET NX GET} that found another instance's give-way marker, EVAL after a NOSCRIPT answer), which its caller
 * can give up on: {@link #cancel} then guarantees that no second command is sent afterwards.
 *
 * <p>Why: a caller that gives up sends a clean-up next (the abandon of an acquisition). Redis runs one connection's
 * commands in the order they were written, so the clean-up undoes what the first command did; but a second command
 * written after it would set the key again, for a whole lease, with nobody left to release it. So the second
 * command is written only while holding {@link #sending}, after checking that the reply is still open, and {@link
 * #cancel} closes it under the same lock: a second command is either written before the caller's clean-up or not at
 * all. The lock is held only around a non-blocking write. Thread-safe.
 */
final class OrderedReply<T> extends CompletableFuture<T> {
  private final ReentrantLock sending = new ReentrantLock();

  /**
   * Sends the second command unless the caller gave up, and completes with its reply.
   *
   * @param command writes the command (non-blocking) and returns its reply
   */
  @SuppressWarnings("FutureReturnValueIgnored") // callbacks: the futures whenComplete returns carry nothing more
  void followUp(Supplier<CompletionStage<T>> command) {
    CompletionStage<T> second;
    sending.lock();
    try {
      if (isDone()) {
        return; // given up: nothing more is written
      }
      second = command.get();
    } catch (RuntimeException e) {
      completeExceptionally(e);
      return;
    } finally {
      sending.unlock();
    }
    second.whenComplete((value, failure) -> {
      if (failure == null) {
        complete(value);
      } else {
        completeExceptionally(failure);
      }
    });
    whenComplete((value, failure) -> {
      if (isCancelled()) {
        second.toCompletableFuture().cancel(false); // it may have a second command of its own to hold back
      }
    });
  }

  /** Gives up: from now on no second command is sent; one already written stays written. */
  @Override
  public boolean cancel(boolean mayInterruptIfRunning) {
    sending.lock();
    try {
      return super.cancel(mayInterruptIfRunning);
    } finally {
      sending.unlock();
    }
  }
}
