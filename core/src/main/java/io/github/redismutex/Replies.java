package io.github.redismutex;

import io.lettuce.core.RedisCommandTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * The one way a call that is not an acquisition waits for a Redis reply: at most the command timeout, not
 * interruptibly (an interrupt is kept for later), and a reply that does not come is a {@link
 * RedisCommandTimeoutException} saying what went unanswered. Immutable.
 */
final class Replies {
  private final Duration timeout;

  Replies(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * The reply, or the failure Redis answered with.
   *
   * @param what what was asked, for the message: "unlock of 'orders:42'"
   */
  <T> T await(CompletionStage<T> reply, String what) {
    try {
      return Deadline.afterNanos(timeout.toNanos()).awaitUninterruptibly(reply);
    } catch (TimeoutException e) {
      throw new RedisCommandTimeoutException(what + " got no answer from Redis within " + timeout);
    }
  }

  Duration timeout() {
    return timeout;
  }
}
