package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.Resp;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Fresh redis-server processes ({@link RedisBinary}: from PATH, else the embedded one) on free loopback ports, all
 * with the same flags (no persistence), in a temporary directory each; stopped by process, never by name. Closed
 * servers leave nothing behind.
 */
final class RedisServers implements AutoCloseable {
  private static final List<RedisServers> OPEN = new ArrayList<>();

  static {
    // a harness that is interrupted (Ctrl-C, a CI timeout) must not leave servers running
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      synchronized (OPEN) {
        new ArrayList<>(OPEN).forEach(RedisServers::close);
      }
    }, "bench-redis-cleanup"));
  }

  final List<Integer> ports = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final Path directory;

  private RedisServers(Path directory) {
    this.directory = directory;
    synchronized (OPEN) {
      OPEN.add(this);
    }
  }

  /** {@code count} independent servers (one for most scenarios; three or five for Redlock). */
  static RedisServers standalone(int count) {
    RedisServers servers = new RedisServers(temporaryDirectory());
    try {
      for (int i = 0; i < count; i++) {
        servers.start(List.of());
      }
      return servers;
    } catch (RuntimeException e) {
      servers.close();
      throw e;
    }
  }

  /** A cluster of six nodes: three primaries, one replica each ({@link ClusterSetup}). */
  static RedisServers cluster() {
    RedisServers servers = new RedisServers(temporaryDirectory());
    try {
      for (int i = 0; i < 6; i++) {
        int index = i;
        servers.start(List.of("--cluster-enabled", "yes", "--cluster-config-file", "nodes-" + index + ".conf",
            "--cluster-node-timeout", "5000"));
      }
      ClusterSetup.create(servers.ports);
      for (int port : servers.ports) {
        awaitClusterOk(port);
      }
      return servers;
    } catch (RuntimeException e) {
      servers.close();
      throw e;
    }
  }

  private void start(List<String> extraFlags) {
    int port = freePort();
    List<String> command = new ArrayList<>(List.of(RedisBinary.path(), "--port", String.valueOf(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString(),
        "--dbfilename", "dump-" + port + ".rdb", "--logfile", "redis-" + port + ".log"));
    command.addAll(extraFlags);
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(directory.resolve("redis-" + port + ".out").toFile()).start();
      processes.add(process);
      ports.add(port);
      awaitPing(port, process);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + RedisBinary.path(), e);
    }
  }

  /** A port that is free, and (for the cluster bus) whose port + 10000 is free too. */
  private static int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 50_000);
      if (free(port) && free(port + 10_000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free loopback port found");
  }

  private static boolean free(int port) {
    try {
      new ServerSocket(port, 1, InetAddress.getLoopbackAddress()).close();
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static void awaitPing(int port, Process process) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited with " + process.exitValue());
      }
      try (Resp resp = new Resp(port)) {
        if ("PONG".equals(resp.string("PING"))) {
          return;
        }
      } catch (RuntimeException notYet) {
        sleep(20);
      }
    }
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING within 10 s");
  }

  private static void awaitClusterOk(int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    try (Resp resp = new Resp(port)) {
      while (!resp.string("CLUSTER", "INFO").contains("cluster_state:ok")) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("cluster node " + port + " not ok within 30 s");
        }
        sleep(50);
      }
    }
  }

  @Override
  public void close() {
    synchronized (OPEN) {
      OPEN.remove(this);
    }
    for (Process process : processes) {
      process.destroy(); // SIGTERM: redis-server exits at once without persistence
    }
    for (Process process : processes) {
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }

  private static Path temporaryDirectory() {
    try {
      return Files.createTempDirectory("redis-mutex-bench-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
