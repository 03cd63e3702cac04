package io.github.redismutex;

import io.lettuce.core.RedisBusyException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisLoadingException;
import io.lettuce.core.RedisReadOnlyException;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Sorts Redis failures into those a later retry can cure and those it cannot. Stateless. */
final class RedisFailures {
  private RedisFailures() {}

  /**
   * True for an outage: Redis unreachable or disconnected, restarting and still loading its data, busy running a
   * long script, a demoted primary answering READONLY during a failover, a cluster failing over or moving a slot.
   * False for anything that is not a Lettuce {@code RedisException}, and for an error reply that the same command
   * would get again (no permission, out of memory, wrong type): retrying those would hang {@code lock()} instead of
   * telling the caller. Decided by exception type, or by an error reply's code.
   */
  static boolean isTransient(Throwable failure) {
    Throwable t = unwrap(failure);
    if (t instanceof RedisLoadingException || t instanceof RedisBusyException || t instanceof RedisReadOnlyException) {
      return true;
    }
    if (t instanceof RedisCommandExecutionException reply) {
      return TRANSIENT_CODES.contains(errorCode(reply));
    }
    return t instanceof RedisException;
  }

  /**
   * Error replies, by their code, that a retry cures, and that Lettuce has no exception type for: a cluster that is
   * down or moving the slot (CLUSTERDOWN, TRYAGAIN), a primary without enough replicas during a failover
   * (MASTERDOWN, NOREPLICAS), a node that no longer serves the slot (MOVED, ASK: Lettuce follows these for routed
   * commands, not on the node connection a replica acknowledgement uses). The code is the reply's first word, which
   * Redis defines for programs to read (unlike the
   * text after it), so this is decided by the protocol, not by wording.
   */
  private static final Set<String> TRANSIENT_CODES =
      Set.of("CLUSTERDOWN", "TRYAGAIN", "MASTERDOWN", "NOREPLICAS", "MOVED", "ASK");

  /** The error code of a reply: its first word. */
  private static String errorCode(RedisCommandExecutionException reply) {
    String message = reply.getMessage() == null ? "" : reply.getMessage();
    int space = message.indexOf(' ');
    return space < 0 ? message : message.substring(0, space);
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
