package io.github.redismutex.cli;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;

/**
 * The one line that says why Redis could not answer, for exit status 3: the server by host and port ({@link
 * Target#where()}), and the cause in the fewest words, told by the types in the exception chain, else by its root's
 * message. Never a stack trace, never the URI's password. Stateless.
 */
final class RedisProblem {
  private RedisProblem() {}

  static String describe(RuntimeException failure, Target target) {
    String where = target.where();
    if (inChain(failure, RedisCommandTimeoutException.class) || inChain(failure, ConnectTimeoutException.class)) {
      return "cannot reach Redis at " + where + ": no answer within " + Session.TIMEOUT.toSeconds() + " s";
    }
    if (inChain(failure, UnknownHostException.class)) { // under it, Netty's resolver may say "NXDOMAIN"
      return "cannot reach Redis at " + where + ": unknown host";
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root instanceof RedisCommandExecutionException) { // an error reply: a password, an ACL, a disabled command
      return "Redis at " + where + " refused: " + target.redact(root.getMessage());
    }
    return "cannot reach Redis at " + where + ": " + target.redact(cause(root));
  }

  private static boolean inChain(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The root cause's message; Netty adds the address to a refused connect ({@code "Connection refused:
   * /127.0.0.1:6379"}), which the line already names, so that tail is dropped.
   */
  private static String cause(Throwable root) {
    String message = root.getMessage();
    if (message == null || message.isBlank()) {
      return root.getClass().getSimpleName();
    }
    int tail = message.lastIndexOf(": ");
    if (root instanceof ConnectException && tail > 0 && message.indexOf('/', tail) > 0) {
      return message.substring(0, tail);
    }
    return message;
  }
}
