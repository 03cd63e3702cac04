package io.github.redismutex.cli;

/**
 * What the tool's exit status means, for scripts ({@code if redis-mutex inspect NAME; then ...}). The help text and
 * docs/cli.md list these same lines.
 */
enum ExitCode {
  OK(0, "success (inspect: the lock is held)"),
  FREE(1, "inspect: the lock is free"),
  USAGE(2, "bad usage: the message and the usage on stderr"),
  REDIS(3, "Redis unreachable, not answering within 2 s, or refusing (password, ACL): one line on stderr"),
  INTERNAL(4, "a bug in this tool: one line on stderr");

  final int code;
  final String meaning;

  ExitCode(int code, String meaning) {
    this.code = code;
    this.meaning = meaning;
  }
}
