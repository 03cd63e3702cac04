package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import io.github.redismutex.support.VirtualThreadsMain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * On JDK 25, thousands of virtual threads contend for a few locks: none is lost an update, and none blocks pinned to
 * its carrier thread (JFR's {@code jdk.VirtualThreadPinned}), so waiting for a lock never starves the carriers. Runs
 * {@link VirtualThreadsMain} in a child JVM of the JDK at {@code JAVA25_HOME}, else the Temurin 25 this project's
 * machines have; the library itself is built for Java 17.
 */
@ExtendWith(RedisExtension.class)
class VirtualThreadsIT {
  private static final Path DEFAULT_JDK = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  private final RedisServer redis;

  VirtualThreadsIT(RedisServer redis) {
    this.redis = redis;
  }

  private static Path java25() {
    String home = System.getenv("JAVA25_HOME");
    Path java = (home == null || home.isBlank() ? DEFAULT_JDK : Path.of(home)).resolve("bin").resolve("java");
    assertThat(Files.isExecutable(java)).as("a JDK 25 for the virtual-thread test: set JAVA25_HOME (looked at %s)",
        java).isTrue();
    return java;
  }

  @Test
  void twoThousandVirtualThreadsOnTwentyLocksLoseNoUpdateAndNeverPinTheirCarriers() throws Exception {
    Process child = new ProcessBuilder(java25().toString(), "-cp", System.getProperty("java.class.path"),
        VirtualThreadsMain.class.getName(), redis.uri(), "2000", "20", "3").redirectErrorStream(true).start();
    String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(child.waitFor(5, TimeUnit.MINUTES)).as(output).isTrue();
    assertThat(child.exitValue()).as(output).isZero();
    String[] result = output.lines().filter(line -> line.startsWith("RESULT ")).findFirst().orElseThrow()
        .split(" ");
    System.out.printf("virtual threads: %s acquisitions, %s lost updates, %s pinned events%n", result[1],
        result[2], result[3]);
    assertThat(Long.parseLong(result[1])).isEqualTo(2000L * 3);
    assertThat(Long.parseLong(result[2])).as("lost updates").isZero();
    assertThat(Long.parseLong(result[3])).as("jdk.VirtualThreadPinned events:%n%s",
        output.lines().filter(line -> line.startsWith("PINNED") || line.startsWith("    at"))
            .collect(java.util.stream.Collectors.joining("\n"))).isZero();
  }
}
