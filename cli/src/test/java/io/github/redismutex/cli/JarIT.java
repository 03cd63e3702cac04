package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.RedisLocks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar, run as users run it ({@code java -jar}, a process of its own): its Main-Class, that it carries
 * everything it needs, and that nothing but the tool's own lines reaches stdout and stderr (no logging).
 */
@SuppressWarnings("try") // a HeldLock in try-with-resources is there to be held, not referenced
class JarIT {
  private static final String PREFIX = "jar:";

  @RegisterExtension static final LocalRedis redis = new LocalRedis();

  @TempDir Path output;

  private Cli.Result runJar(String... args) throws IOException, InterruptedException {
    return runJar(Map.of(), args);
  }

  private Cli.Result runJar(Map<String, String> env, String... args) throws IOException, InterruptedException {
    Path jar = Path.of(System.getProperty("cli.jar", "target/redis-mutex-cli.jar"));
    assertThat(jar).as("the shaded jar, built in the package phase").isRegularFile();
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
    command.addAll(List.of(args));
    Path out = output.resolve("out");
    Path err = output.resolve("err");
    ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    builder.environment().remove("REDIS_URL");
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("java -jar " + String.join(" ", args) + " ran over a minute");
    }
    return new Cli.Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  @Test
  void inspectAndListAHeldLock() throws IOException, InterruptedException {
    try (RedisLocks locks = redis.locks(PREFIX);
        HeldLock held = HeldLock.hold(locks, "nightly report", "report runner", true)) {
      Cli.Result inspect = runJar("inspect", "nightly report", "--uri", redis.uri(), "--prefix", PREFIX);
      Cli.Result list = runJar("list", "nightly*", "--uri", redis.uri(), "--prefix", PREFIX);

      assertThat(inspect.status()).isZero();
      assertThat(inspect.err()).isEmpty();
      assertThat(inspect.out()).startsWith("lock 'nightly report' is held\n")
          .contains("thread 'report runner' of process " + ProcessHandle.current().pid())
          .contains("fencing token: " + held.fencingToken());
      assertThat(list.status()).isZero();
      assertThat(list.err()).isEmpty();
      assertThat(list.out()).contains("nightly report").endsWith("\n1 held lock\n");
    }
  }

  /** (Its arguments are ASCII: under the C locale, the JVM itself reads non-ASCII arguments as '?'.) */
  @Test
  void namesPrintInUtf8UnderTheCLocale() throws IOException, InterruptedException {
    try (RedisLocks locks = redis.locks(PREFIX); HeldLock held = HeldLock.hold(locks, "заказ-1 😀")) {
      Cli.Result result = runJar(Map.of("LANG", "C", "LC_ALL", "C"), "list", "*-1 *", "--uri", redis.uri(),
          "--prefix", PREFIX);

      assertThat(result.out()).contains("заказ-1 😀").contains("holder of заказ-1 😀");
    }
  }

  @Test
  void freeLockExitsOne() throws IOException, InterruptedException {
    Cli.Result result = runJar("inspect", "idle", "--uri", redis.uri(), "--prefix", PREFIX);

    assertThat(result.status()).isEqualTo(1);
    assertThat(result.out()).isEqualTo("lock 'idle' is free\n");
    assertThat(result.err()).isEmpty();
  }

  @Test
  void unreachableRedisIsOneLineOnStderrAndExitThree() throws IOException, InterruptedException {
    int port = RedisProcess.freePort();

    Cli.Result result = runJar("list", "--uri", "redis://:jar-pa55word@127.0.0.1:" + port);

    assertThat(result.status()).isEqualTo(3);
    assertThat(result.out()).isEmpty();
    assertThat(result.err())
        .isEqualTo("redis-mutex: cannot reach Redis at 127.0.0.1:" + port + ": Connection refused\n");
  }

  @Test
  void badUsageExitsTwo() throws IOException, InterruptedException {
    Cli.Result result = runJar("inspect");

    assertThat(result.status()).isEqualTo(2);
    assertThat(result.err()).startsWith("redis-mutex: inspect takes one lock NAME, got 0\nusage:");
  }
}
