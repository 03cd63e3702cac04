package io.github.redismutex.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed command line: the command, its operand and the options, defaults filled in. Only the syntax is checked
 * here (and the pattern compiled); whether the URI and prefix are acceptable is {@link Target}'s question.
 *
 * <p>Options may stand anywhere, as {@code --uri VALUE} or {@code --uri=VALUE}; {@code --} ends them, so that a lock
 * whose name starts with a dash can be named. {@code --help} and {@code --version} win over everything else.
 *
 * @param command what to run
 * @param name inspect: the lock name; else null
 * @param pattern list: the name pattern ({@code *} when none was given); else null
 * @param uri {@code --uri}, else {@code REDIS_URL}, else {@value #DEFAULT_URI}
 * @param prefix {@code --prefix}, else {@value #DEFAULT_PREFIX}
 * @param limit list: {@code --limit}, else {@value #DEFAULT_LIMIT}; at least 1
 */
record Arguments(Command command, String name, Glob pattern, String uri, String prefix, int limit) {
  static final String DEFAULT_URI = "redis://127.0.0.1:6379";
  static final String DEFAULT_PREFIX = "redis-mutex:"; // the library's default key prefix
  static final int DEFAULT_LIMIT = 1000;

  enum Command {
    HELP,
    VERSION,
    INSPECT,
    LIST
  }

  /**
   * Parses {@code args}; {@code env} supplies {@code REDIS_URL}.
   *
   * @throws UsageException naming the argument that is wrong
   */
  static Arguments parse(String[] args, Map<String, String> env) throws UsageException {
    for (String arg : args) { // before any error, so that a wrong command line can still ask for help
      if (arg.equals("--")) {
        break;
      } else if (arg.equals("--help") || arg.equals("-h")) {
        return new Arguments(Command.HELP, null, null, null, null, 0);
      } else if (arg.equals("--version")) {
        return new Arguments(Command.VERSION, null, null, null, null, 0);
      }
    }
    Options options = new Options();
    List<String> positional = new ArrayList<>();
    boolean optionsEnded = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
        positional.add(arg);
      } else if (arg.equals("--")) {
        optionsEnded = true;
      } else {
        int equals = arg.indexOf('=');
        String option = equals < 0 ? arg : arg.substring(0, equals);
        String value;
        if (equals >= 0) {
          value = arg.substring(equals + 1);
        } else if (i + 1 < args.length) {
          value = args[++i];
        } else {
          throw new UsageException(option + " needs a value");
        }
        options.set(option, value);
      }
    }
    return of(positional, options, env);
  }

  private static Arguments of(List<String> positional, Options options, Map<String, String> env)
      throws UsageException {
    if (positional.isEmpty()) {
      throw new UsageException("a command is required: inspect or list");
    }
    String uri = options.uri != null ? options.uri : fromEnvironment(env);
    String prefix = options.prefix != null ? options.prefix : DEFAULT_PREFIX;
    List<String> operands = positional.subList(1, positional.size());
    switch (positional.get(0)) {
      case "inspect" -> {
        if (operands.size() != 1) {
          throw new UsageException("inspect takes one lock NAME, got " + operands.size()
              + (operands.isEmpty() ? "" : " (quote a name that has spaces)"));
        }
        if (operands.get(0).isEmpty()) {
          throw new UsageException("the lock NAME must not be empty");
        }
        if (options.limit != null) {
          throw new UsageException("--limit applies to list only");
        }
        return new Arguments(Command.INSPECT, operands.get(0), null, uri, prefix, 0);
      }
      case "list" -> {
        if (operands.size() > 1) {
          throw new UsageException("list takes at most one PATTERN, got " + operands.size()
              + " (quote a pattern that has spaces or that the shell would expand)");
        }
        Glob pattern = Glob.of(operands.isEmpty() ? "*" : operands.get(0));
        int limit = options.limit != null ? parseLimit(options.limit) : DEFAULT_LIMIT;
        return new Arguments(Command.LIST, null, pattern, uri, prefix, limit);
      }
      default -> throw new UsageException("unknown command '" + positional.get(0) + "': use inspect or list");
    }
  }

  private static String fromEnvironment(Map<String, String> env) {
    String url = env.get("REDIS_URL");
    return url == null || url.isBlank() ? DEFAULT_URI : url.trim();
  }

  private static int parseLimit(String value) throws UsageException {
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // not a number: said below
    }
    throw new UsageException("--limit must be a whole number of at least 1, was '" + value + "'");
  }

  /** The options as given, each at most once; null for those not given. */
  private static final class Options {
    String uri;
    String prefix;
    String limit;

    void set(String option, String value) throws UsageException {
      switch (option) {
        case "--uri" -> uri = once(option, uri, value);
        case "--prefix" -> prefix = once(option, prefix, value);
        case "--limit" -> limit = once(option, limit, value);
        default -> throw new UsageException("unknown option '" + option + "'");
      }
    }

    private static String once(String option, String previous, String value) throws UsageException {
      if (previous != null) {
        throw new UsageException(option + " is given twice");
      }
      return value;
    }
  }
}
