package io.github.redismutex;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Sorts Redis failures into those a later retry can cure and those it cannot. Stateless. */
final class RedisFailures {
  private RedisFailures() {}

  /**
   * True for an outage: Redis unreachable or disconnected, restarting and still loading its data, busy running a
   * long script, or a demoted primary answering READONLY during a failover. False for anything that is not a
   * Lettuce {@code RedisException}, and for an error reply that the same command would get again (no permission,
   * out of memory, wrong type): retrying those would hang {@code lock()} instead of telling the caller. Decided by
   * exception type, never by matching message text.
   */
  static boolean isTransient(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof RedisLoadingException || t instanceof RedisBusyException || t instanceof RedisReadOnlyException) {
      return true;
    }
    return t instanceof RedisException && !(t instanceof RedisCommandExecutionException);
  }

  static Throwable unwrap(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  static RuntimeException asUnchecked(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof RuntimeException runtime) {
      return runtime;
    }
    if (t instanceof Error error) {
      throw error;
    }
    return new RedisException(t);
  }
}
