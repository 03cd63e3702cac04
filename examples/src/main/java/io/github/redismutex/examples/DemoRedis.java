package io.github.redismutex.examples;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The Redis server the demo talks to, in this order of preference:
 *
 * <ol>
 *   <li>the one at {@code REDIS_URL}, if that variable is set (left running, of course);
 *   <li>a {@code redis-server} found on the PATH, started on a free port of 127.0.0.1 and stopped at the end;
 *   <li>the redis-server binary bundled in the embedded-redis jar, likewise: so the demo runs on a machine with only a
 *       JDK and Maven.
 * </ol>
 *
 * The servers the demo starts listen on loopback only and never write to disk.
 */
final class DemoRedis implements AutoCloseable {
  private static final String LOOPBACK = "127.0.0.1";

  private final String url;
  private final String description;
  private final Stopper stopper; // stops a server the demo started; does nothing for REDIS_URL

  private interface Stopper {
    void stop() throws IOException;
  }

  private DemoRedis(String url, String description, Stopper stopper) {
    this.url = url;
    this.description = description;
    this.stopper = stopper;
  }

  static DemoRedis findOrStart() throws IOException, InterruptedException {
    String url = System.getenv("REDIS_URL");
    if (url != null && !url.isBlank()) {
      return new DemoRedis(url, "the server at REDIS_URL", () -> {}); // not printed: it may hold a password
    }
    int port = freeLoopbackPort();
    Optional<Path> redisServer = findOnPath("redis-server");
    return redisServer.isPresent()
        ? startProcess(redisServer.get(), redisServer.get().toString(), port)
        : startProcess(EmbeddedRedisBinary.extract(), "embedded-redis's redis-server (none on the PATH)", port);
  }

  String url() {
    return url;
  }

  String description() {
    return description;
  }

  @Override
  public void close() throws IOException {
    stopper.stop();
  }

  /** Starts {@code redisServer}, called {@code name} in the description, and waits until it answers. */
  private static DemoRedis startProcess(Path redisServer, String name, int port)
      throws IOException, InterruptedException {
    // A fresh directory: Redis loads a dump.rdb it finds in its working directory, and we want an empty server.
    Path dir = Files.createTempDirectory("redis-mutex-demo-");
    Path log = dir.resolve("redis.log");
    Process process = new ProcessBuilder(redisServer.toString(), "--bind", LOOPBACK, "--port", Integer.toString(port),
            "--save", "", "--appendonly", "no", "--dir", dir.toString())
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    Stopper stopper = () -> {
      process.destroy(); // SIGTERM: Redis shuts down cleanly (and, with --save "", writes nothing)
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      Files.deleteIfExists(log);
      Files.deleteIfExists(dir);
    };
    try {
      awaitPong(port, process, log);
    } catch (IOException | InterruptedException e) {
      stopper.stop();
      throw e;
    }
    return new DemoRedis("redis://" + LOOPBACK + ":" + port, name + " on " + LOOPBACK + ":" + port
        + ", pid " + process.pid() + ", started for this demo", stopper);
  }

  /** A port nobody listens on now. Another process could take it before Redis does; then Redis exits, and we say so. */
  private static int freeLoopbackPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return socket.getLocalPort();
    }
  }

  private static Optional<Path> findOnPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      for (String name : List.of(program, program + ".exe")) {
        Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /** Waits until the server answers PING, or fails with its log if it exits or takes more than 10 s. */
  private static void awaitPong(int port, Process process, Path log) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with code " + process.exitValue() + ":\n" + Files.readString(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(LOOPBACK, port), 200);
        socket.setSoTimeout(1000);
        OutputStream out = socket.getOutputStream();
        out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String reply =
            new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        if ("+PONG".equals(reply)) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet, or still loading: try again shortly
      }
      Thread.sleep(20);
    }
    throw new IOException("redis-server did not answer PING on port " + port + " within 10 s:\n"
        + Files.readString(log));
  }
}
