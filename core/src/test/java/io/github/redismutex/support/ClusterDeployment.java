package io.github.redismutex.support;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Redis Cluster on loopback: six {@code redis-server} processes, three primaries with one replica each, made into
 * a cluster by {@code redis-cli --cluster create}. Nodes notice a dead peer after a second.
 */
public final class ClusterDeployment implements AutoCloseable {
  private final List<RedisServer> nodes = new ArrayList<>();

  public ClusterDeployment() {
    try {
      Path dir = Files.createTempDirectory("redis-cluster-");
      for (int i = 0; i < 6; i++) {
        int port = RedisServer.freePort();
        nodes.add(RedisServer.startDedicated(port, "--cluster-enabled", "yes", "--cluster-config-file",
            "nodes-" + port + ".conf", "--cluster-node-timeout", "1000", "--dir", dir.toString(),
            // a replica may take over however long ago it last heard from its primary (tests kill primaries early)
            "--cluster-replica-validity-factor", "0"));
      }
      List<String> command = new ArrayList<>(List.of(redisCli(), "--cluster", "create"));
      nodes.forEach(node -> command.add("127.0.0.1:" + node.port()));
      command.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
      Process create = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(Path.of("target", "cluster-create.log").toFile())).start();
      if (!create.waitFor(60, TimeUnit.SECONDS) || create.exitValue() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed; see target/cluster-create.log");
      }
      awaitHealthy(Duration.ofSeconds(30));
    } catch (IOException e) {
      close();
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new IllegalStateException(e);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private static String redisCli() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, "redis-cli");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IllegalStateException("the cluster tests need redis-cli on PATH to create the cluster"
        + " (Debian/Ubuntu: apt-get install -y redis-server, which brings redis-tools)");
  }

  /** Seed URIs of every node. */
  public String[] uris() {
    return nodes.stream().map(RedisServer::uri).toArray(String[]::new);
  }

  /**
   * Waits until every live node reports cluster_state:ok and every live replica has a live link to a primary, so
   * that the replica can take over when its primary dies.
   */
  public void awaitHealthy(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean ok = true;
      for (RedisServer node : nodes) {
        try {
          if (node.isRunning() && !node.admin().clusterInfo().contains("cluster_state:ok")) {
            ok = false;
          }
          String replication = node.isRunning() ? node.admin().info("replication") : "";
          if (replication.contains("role:slave") && !replication.contains("master_link_status:up")) {
            ok = false;
          }
        } catch (RuntimeException e) {
          ok = false;
        }
      }
      if (ok) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the cluster did not become healthy within " + timeout);
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** The node currently serving {@code key}'s slot as primary, as the cluster itself reports it. */
  public RedisServer primaryOf(String key) {
    RedisClusterClient client = RedisClusterClient.create(
        nodes.stream().filter(RedisServer::isRunning).map(node -> RedisURI.create(node.uri())).toList());
    try {
      client.refreshPartitions();
      int port = client.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().getPort();
      return nodes.stream().filter(node -> node.port() == port).findFirst().orElseThrow();
    } finally {
      Clients.shutdown(client);
    }
  }

  @Override
  public void close() {
    nodes.forEach(RedisServer::close);
  }
}
