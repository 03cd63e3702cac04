package io.github.redismutex.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Sentinel-managed deployment on loopback: a primary, one replica and three sentinels (quorum 2) watching master
 * {@value #MASTER}, which notice a dead primary after a second and promote the replica.
 */
public final class SentinelDeployment implements AutoCloseable {
  public static final String MASTER = "mymaster";

  private final RedisServer primary;
  private final RedisServer replica;
  private final List<Process> sentinels = new ArrayList<>();
  private final List<Integer> sentinelPorts = new ArrayList<>();

  SentinelDeployment() {
    // the replica's first sync at once, not after the default 5 s a primary waits for more replicas to join it
    primary = RedisServer.startDedicated("--repl-diskless-sync-delay", "0");
    replica = RedisServer.startDedicated("--replicaof", "127.0.0.1", Integer.toString(primary.port()));
    try {
      Path dir = Files.createTempDirectory("sentinels-");
      for (int i = 0; i < 3; i++) {
        int port = RedisServer.freePort();
        Path conf = dir.resolve("sentinel-" + port + ".conf");
        Files.writeString(conf, String.join("\n",
            "port " + port,
            "bind 127.0.0.1",
            "sentinel monitor " + MASTER + " 127.0.0.1 " + primary.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER + " 1000",
            "sentinel failover-timeout " + MASTER + " 5000",
            ""));
        sentinels.add(new ProcessBuilder(RedisServer.findBinary(), conf.toString(), "--sentinel")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "sentinel-" + port + ".log").toFile()))
            .start());
        sentinelPorts.add(port);
      }
      for (int port : sentinelPorts) {
        awaitPort(port);
      }
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    }
  }

  /** The URI Lettuce resolves through the sentinels. */
  public String uri() {
    StringBuilder uri = new StringBuilder("redis-sentinel://");
    for (int i = 0; i < sentinelPorts.size(); i++) {
      uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(sentinelPorts.get(i));
    }
    return uri.append("#").append(MASTER).toString();
  }

  public RedisServer primary() {
    return primary;
  }

  public RedisServer replica() {
    return replica;
  }

  @Override
  public void close() {
    for (Process sentinel : sentinels) {
      sentinel.destroyForcibly();
      try {
        sentinel.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    replica.close();
    primary.close();
  }

  private static void awaitPort(int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(20); // polls the port: a starting sentinel offers nothing else to wait on
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    throw new IllegalStateException("sentinel on port " + port + " did not start");
  }
}
