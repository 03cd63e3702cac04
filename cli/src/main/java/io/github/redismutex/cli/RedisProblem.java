package io.github.redismutex.cli;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.channel.ConnectTimeoutException;
import java.net.ConnectException;
import java.net.UnknownHostException;

/**
 * The one line that says why Redis could not answer, for exit status 3: the server by host and port ({@link
 * Target#where()}), and the cause in the fewest words, as the root of the exception chain tells it. Never a stack
 * trace, never the URI's password. Stateless.
 */
final class RedisProblem {
  private RedisProblem() {}

  static String describe(RuntimeException failure, Target target) {
    Throwable root = failure;
    boolean timedOut = false;
    for (Throwable t = failure; t != null; t = t.getCause()) {
      timedOut |= t instanceof RedisCommandTimeoutException || t instanceof ConnectTimeoutException;
      root = t;
    }
    String where = target.where();
    if (timedOut) {
      return "cannot reach Redis at " + where + ": no answer within " + Session.TIMEOUT.toSeconds() + " s";
    }
    if (root instanceof RedisCommandExecutionException) { // an error reply: a password, an ACL, a disabled command
      return "Redis at " + where + " refused: " + target.redact(root.getMessage());
    }
    if (root instanceof UnknownHostException) {
      return "cannot reach Redis at " + where + ": unknown host";
    }
    return "cannot reach Redis at " + where + ": " + target.redact(cause(root));
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
