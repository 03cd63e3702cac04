package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.support.RedisExtension;
import io.github.redismutex.support.RedisServer;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library as a JPMS module: a modular application that says only {@code requires io.github.redismutex} compiles
 * against it and runs, without {@code --add-modules}, and takes and releases a lock through it.
 */
@ExtendWith(RedisExtension.class)
class JpmsIT {
  /** The runtime dependencies of the library, as found on this test's class path. */
  private static final List<String> RUNTIME_JARS = List.of("lettuce-core", "netty-", "reactor-core",
      "reactive-streams", "slf4j-api", "slf4j-simple", "redis-authx-core");

  private final RedisServer redis;

  JpmsIT(RedisServer redis) {
    this.redis = redis;
  }

  @Test
  void aModularApplicationThatRequiresTheModuleRunsWithoutAddModules(@TempDir Path dir) throws Exception {
    Path sources = dir.resolve("src/app");
    Files.createDirectories(sources.resolve("app"));
    Files.writeString(sources.resolve("module-info.java"), "module app { requires io.github.redismutex; }\n");
    Files.writeString(sources.resolve("app/Main.java"), String.join("\n",
        "package app;",
        "import io.github.redismutex.RedisLocks;",
        "import io.github.redismutex.RedisMutex;",
        "public class Main {",
        "  public static void main(String[] args) {",
        "    try (RedisLocks locks = RedisLocks.builder().uri(args[0]).keyPrefix(\"jpms:\").build()) {",
        "      RedisMutex lock = locks.mutex(\"modular\");",
        "      lock.lock();",
        "      System.out.println(\"LOCKED \" + lock.isHeldByCurrentThread() + \" \"",
        "          + RedisLocks.class.getModule().getName());",
        "      lock.unlock();",
        "    }",
        "  }",
        "}", ""));
    String modulePath = modulePath();
    Path classes = dir.resolve("classes");
    String compiled = run(tool("javac"), "--module-path", modulePath, "-d", classes.toString(),
        sources.resolve("module-info.java").toString(), sources.resolve("app/Main.java").toString());
    assertThat(compiled).as("javac's output").isEmpty();

    String output = run(tool("java"), "--module-path", classes + File.pathSeparator + modulePath,
        "-m", "app/app.Main", redis.uri());
    assertThat(output).contains("LOCKED true io.github.redismutex");
  }

  private static String tool(String name) {
    return Path.of(System.getProperty("java.home"), "bin", name).toString();
  }

  /** Runs a command to its end and returns its output; fails unless it exits with 0. */
  private static String run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("finished: %s", output).isTrue();
    assertThat(process.exitValue()).as("exit code of %s: %s", command[0], output).isZero();
    return output.trim();
  }

  /** The library's classes (with module-info) and its runtime dependencies, nothing else of the test's. */
  private static String modulePath() {
    List<String> entries = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String file = Path.of(entry).getFileName().toString();
      boolean library = Files.exists(Path.of(entry, "module-info.class"));
      if (library || RUNTIME_JARS.stream().anyMatch(file::startsWith)) {
        entries.add(entry);
      }
    }
    assertThat(entries).anySatisfy(entry -> assertThat(Path.of(entry, "module-info.class")).exists());
    return Stream.of(entries.toArray(String[]::new)).collect(Collectors.joining(File.pathSeparator));
  }
}
