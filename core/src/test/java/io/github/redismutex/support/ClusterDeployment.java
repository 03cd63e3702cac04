package io.github.redismutex.support;

import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * A Redis Cluster on loopback: six {@code redis-server} processes, three primaries with one replica each. It is
 * made from here, in the steps {@code redis-cli --cluster create} takes (so the tests need no redis-cli): a third of
 * the slots and a config epoch of its own for each primary, every node meets the first, and once all six know each
 * other each replica follows its primary. Nodes notice a dead peer after a second.
 */
public final class ClusterDeployment implements AutoCloseable {
  private static final int PRIMARIES = 3;
  private static final String LOOPBACK = "127.0.0.1";

  private final Path dir; // the nodes' cluster config files, nodes-<port>.conf; deleted on close
  private final List<Node> nodes = new ArrayList<>(); // the primaries first, then their replicas in the same order

  /** One node: its server, and the cluster bus port it listens on for its peers. */
  private record Node(RedisServer server, int busPort) {}

  ClusterDeployment() {
    try {
      dir = Files.createTempDirectory("redis-cluster-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      for (int i = 0; i < 2 * PRIMARIES; i++) {
        nodes.add(startNode());
      }
      assignEpochsAndSlots();
      meetTheFirstNode();
      await(Duration.ofSeconds(30), "all six nodes to know each other", this::everyNodeKnowsEveryNode);
      followPrimaries();
      await(Duration.ofSeconds(30), "every node to see the three replicas", this::everyNodeSeesEveryReplica);
      awaitHealthy(Duration.ofSeconds(30));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  private Node startNode() {
    int port = RedisServer.freePort();
    int busPort = RedisServer.freePort();
    while (busPort == port) {
      busPort = RedisServer.freePort();
    }
    RedisServer server = RedisServer.startDedicated(port, "--cluster-enabled", "yes", "--cluster-config-file",
        "nodes-" + port + ".conf", "--dir", dir.toString(), "--cluster-node-timeout", "1000",
        // by default the bus port is port + 10000, past 65535 for many ephemeral ports
        "--cluster-port", Integer.toString(busPort),
        // a replica's first sync at once, not after the default 5 s a primary waits for more replicas to join it
        "--repl-diskless-sync-delay", "0",
        // a replica may take over however long ago it last heard from its primary (tests kill primaries early)
        "--cluster-replica-validity-factor", "0");
    return new Node(server, busPort);
  }

  /**
   * While each node is still alone: a third of the slots for each primary, and distinct config epochs for all (as
   * redis-cli gives them), which spares the nodes resolving an epoch collision while a test kills a primary.
   */
  private void assignEpochsAndSlots() {
    for (int i = 0; i < nodes.size(); i++) {
      RedisServer server = nodes.get(i).server();
      server.admin().clusterSetConfigEpoch(i + 1);
      if (i < PRIMARIES) {
        int first = SlotHash.SLOT_COUNT * i / PRIMARIES;
        int last = SlotHash.SLOT_COUNT * (i + 1) / PRIMARIES - 1;
        server.admin().clusterAddSlots(IntStream.rangeClosed(first, last).toArray());
      }
    }
  }

  /** CLUSTER MEET with the bus port: Lettuce's clusterMeet(ip, port) would assume port + 10000. */
  private void meetTheFirstNode() {
    Node first = nodes.get(0);
    for (Node node : nodes.subList(1, nodes.size())) {
      String reply = node.server().admin().dispatch(CommandType.CLUSTER, new StatusOutput<>(StringCodec.UTF8),
          new CommandArgs<>(StringCodec.UTF8).add("MEET").add(LOOPBACK).add(first.server().port())
              .add(first.busPort()));
      if (!"OK".equals(reply)) {
        throw new IllegalStateException("CLUSTER MEET on node " + node.server().port() + " replied " + reply);
      }
    }
  }

  /** Every replica follows the primary of the same index; they sync once the replica's CLUSTER REPLICATE is in. */
  private void followPrimaries() {
    for (int i = 0; i < PRIMARIES; i++) {
      String primaryId = nodes.get(i).server().admin().clusterMyId();
      nodes.get(PRIMARIES + i).server().admin().clusterReplicate(primaryId);
    }
  }

  private boolean everyNodeKnowsEveryNode() {
    return nodes.stream().allMatch(node -> {
      List<String[]> view = clusterNodes(node.server());
      return view.size() == nodes.size()
          && view.stream().noneMatch(line -> line[2].contains("handshake") || line[2].contains("noaddr"));
    });
  }

  private boolean everyNodeSeesEveryReplica() {
    return nodes.stream().allMatch(
        node -> clusterNodes(node.server()).stream().filter(line -> line[2].contains("slave")).count() == PRIMARIES);
  }

  /** CLUSTER NODES, one array of fields per node: id, address, flags, primary id, and so on. */
  private static List<String[]> clusterNodes(RedisServer server) {
    return server.admin().clusterNodes().lines().filter(line -> !line.isBlank()).map(line -> line.split(" "))
        .toList();
  }

  /** Every node: the primaries, then their replicas in the same order. */
  List<RedisServer> nodes() {
    return servers().toList();
  }

  /** Seed URIs of every node. */
  public String[] uris() {
    return servers().map(RedisServer::uri).toArray(String[]::new);
  }

  /**
   * Waits until every live node reports cluster_state:ok and every live replica has a live link to a primary, so
   * that the replica can take over when its primary dies.
   */
  public void awaitHealthy(Duration timeout) {
    await(timeout, "the cluster to become healthy", () -> servers().filter(RedisServer::isRunning).allMatch(node -> {
      if (!node.admin().clusterInfo().contains("cluster_state:ok")) {
        return false;
      }
      String replication = node.admin().info("replication");
      return !replication.contains("role:slave") || replication.contains("master_link_status:up");
    }));
  }

  /** The node currently serving {@code key}'s slot as primary, as the cluster itself reports it. */
  public RedisServer primaryOf(String key) {
    RedisClusterClient client = RedisClusterClient.create(
        servers().filter(RedisServer::isRunning).map(node -> RedisURI.create(node.uri())).toList());
    try {
      client.refreshPartitions();
      int port = client.getPartitions().getPartitionBySlot(SlotHash.getSlot(key)).getUri().getPort();
      return servers().filter(node -> node.port() == port).findFirst().orElseThrow();
    } finally {
      Clients.shutdown(client);
    }
  }

  /** The running node that replicates {@code primary}, as the node's own replication info says. */
  public RedisServer replicaOf(RedisServer primary) {
    return servers().filter(RedisServer::isRunning).filter(node -> node != primary)
        .filter(node -> node.admin().info("replication").contains("master_port:" + primary.port() + "\r"))
        .findFirst().orElseThrow(() -> new IllegalStateException("no replica of node " + primary.port()));
  }

  @Override
  public void close() {
    servers().forEach(RedisServer::close);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException ignored) {
      // a temporary directory left behind is harmless
    }
  }

  private Stream<RedisServer> servers() {
    return nodes.stream().map(Node::server);
  }

  /** Polls {@code condition} every 20 ms; a node that does not answer yet counts as not there. */
  private static void await(Duration timeout, String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!holds(condition)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + timeout + " waiting for " + what);
      }
      try {
        Thread.sleep(20); // polls the nodes' views, which converge over the cluster bus
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static boolean holds(BooleanSupplier condition) {
    try {
      return condition.getAsBoolean();
    } catch (RuntimeException e) {
      return false;
    }
  }
}
