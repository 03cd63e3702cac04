package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What the tool does before it connects: help, version, and bad usage (exit status 2, nothing on stdout). */
class MainTest {
  @Test
  void helpGoesToStdoutWithTheExitStatuses() {
    Cli.Result result = Cli.run("--help");

    assertThat(result.status()).isZero();
    assertThat(result.err()).isEmpty();
    assertThat(result.out()).startsWith("usage: redis-mutex inspect NAME")
        .contains("  0  success (inspect: the lock is held)\n")
        .contains("  1  inspect: the lock is free\n")
        .contains("  2  bad usage")
        .contains("  3  Redis unreachable");
  }

  @Test
  void versionIsTheBuildsVersion() {
    Cli.Result result = Cli.run("--version");

    assertThat(result.status()).isZero();
    assertThat(result.out()).matches("redis-mutex-cli \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\n");
  }

  @Test
  void badUsageExitsTwoWithTheMessageAndTheUsageOnStderr() {
    for (String[] args : new String[][] {{}, {"inspect"}, {"list", "--limit", "0"}, {"lock", "x"},
        {"list", "--prefix", "a{b}"}, {"list", "--uri", "http://h"}, {"list", "[a"}}) {
      Cli.Result result = Cli.run(args);

      assertThat(result.status()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(result.out()).as(String.join(" ", args)).isEmpty();
      assertThat(result.errLines().get(0)).as(String.join(" ", args)).startsWith("redis-mutex: ");
      assertThat(result.err()).as(String.join(" ", args)).contains("\nusage: redis-mutex inspect NAME")
          .endsWith("Run with --help for details.\n");
    }
  }
}
