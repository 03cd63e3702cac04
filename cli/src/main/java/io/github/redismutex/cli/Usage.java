package io.github.redismutex.cli;

/** The help text ({@code --help}, on stdout) and the short usage that follows a usage error on stderr. */
final class Usage {
  static final String SYNOPSIS = """
      usage: redis-mutex inspect NAME [--uri URI] [--prefix PREFIX]
             redis-mutex list [PATTERN] [--uri URI] [--prefix PREFIX] [--limit N]
             redis-mutex --help | --version
      """;

  private Usage() {}

  /** The short usage, pointing at the help. */
  static String brief() {
    return SYNOPSIS + "Run with --help for details.\n";
  }

  static String help() {
    StringBuilder help = new StringBuilder(SYNOPSIS).append("""

        Who holds which redis-mutex lock, asked of Redis (the holders need not cooperate). Here redis-mutex
        stands for java -jar redis-mutex-cli.jar.

        Commands:
          inspect NAME      the holder of lock NAME (host, process id, thread), when it was acquired, the lease
                            left and the fencing token; or that the lock is free
          list [PATTERN]    the held locks whose names match PATTERN (default *), with holder and lease left;
                            a glob: * any text, ? one character, [abc] [a-z] [^a] one of a set, \\ quotes the next

        Options:
          --uri URI         the Redis server: redis://[[user]:password@]host[:port][/database], rediss://... for
                            TLS, redis-socket:///path; default: $REDIS_URL, else %s
          --prefix PREFIX   the key prefix the locks' users configured (default %s)
          --limit N         list: show at most N held locks, and say when there were more (default %d)
          --help, --version
          --                the arguments after it are no options (for a NAME that starts with -)

        Exit status:
        """.formatted(Arguments.DEFAULT_URI, Arguments.DEFAULT_PREFIX, Arguments.DEFAULT_LIMIT));
    for (ExitCode exit : ExitCode.values()) {
      help.append("  ").append(exit.code).append("  ").append(exit.meaning).append('\n');
    }
    return help.toString();
  }
}
