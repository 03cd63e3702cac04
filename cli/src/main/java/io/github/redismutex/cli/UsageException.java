package io.github.redismutex.cli;

/** A command line the tool cannot run, found before anything is sent to Redis; the message says what to change. */
final class UsageException extends Exception {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
