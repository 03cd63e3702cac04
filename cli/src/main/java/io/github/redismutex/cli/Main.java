package io.github.redismutex.cli;

import io.lettuce.core.RedisException;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code java -jar redis-mutex-cli.jar inspect NAME | list [PATTERN]}: who holds which lock, for operators and
 * scripts. See {@link Usage#help()} and docs/cli.md; exit statuses in {@link ExitCode}.
 *
 * <p>Everything a run prints goes through the two streams given to {@link #run}, and every failure becomes an exit
 * status with one line on stderr (no stack trace), so the tests run it in-process and scripts can rely on the status.
 */
public final class Main {
  private static final String TOOL = "redis-mutex: ";

  private Main() {}

  /**
   * Runs and exits with the status. Writes UTF-8 whatever the locale: under the C locale of many containers Java
   * would print every non-ASCII character of a lock name as '?'.
   *
   * @param args a command, its arguments and options, as {@code --help} lists them; without {@code --uri}, the
   *     environment's {@code REDIS_URL} names the server
   */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    int status = run(args, out, err, System.getenv());
    out.flush();
    err.flush();
    System.exit(status);
  }

  /** Runs one command line; returns the exit status. {@code env} supplies {@code REDIS_URL}. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    Arguments arguments;
    Target target;
    try {
      arguments = Arguments.parse(args, env);
      if (arguments.command() == Arguments.Command.HELP) {
        out.print(Usage.help());
        return ExitCode.OK.code;
      }
      if (arguments.command() == Arguments.Command.VERSION) {
        out.println(Version.text());
        return ExitCode.OK.code;
      }
      target = Target.of(arguments.uri(), arguments.prefix());
    } catch (UsageException e) {
      return usageError(e.getMessage(), err);
    }
    return runAgainst(target, arguments, out, err).code;
  }

  private static ExitCode runAgainst(Target target, Arguments arguments, PrintStream out, PrintStream err) {
    try (Session session = Session.open(target)) {
      return switch (arguments.command()) {
        case INSPECT -> InspectCommand.run(session.locks(), arguments.name(), out);
        case LIST -> ListCommand.run(session, target.prefix(), arguments.pattern(), arguments.limit(), out);
        default -> throw new IllegalStateException("not a Redis command: " + arguments.command());
      };
    } catch (UsageException e) {
      usageError(e.getMessage(), err);
      return ExitCode.USAGE;
    } catch (RedisException e) {
      err.println(TOOL + RedisProblem.describe(e, target));
      return ExitCode.REDIS;
    } catch (RuntimeException e) {
      err.println(TOOL + "internal error: " + target.redact(e.toString()));
      return ExitCode.INTERNAL;
    }
  }

  private static int usageError(String message, PrintStream err) {
    err.println(TOOL + message);
    err.print(Usage.brief());
    return ExitCode.USAGE.code;
  }
}
