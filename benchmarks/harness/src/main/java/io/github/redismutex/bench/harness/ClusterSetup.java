package io.github.redismutex.bench.harness;

import io.github.redismutex.bench.Resp;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Makes fresh cluster-enabled servers one cluster, in the steps {@code redis-cli --cluster create --cluster-replicas
 * 1} takes, so that the harness needs no redis-cli: while each node is alone, a share of the 16384 slots for each
 * primary and a distinct config epoch for every node; then every node meets the first; once all know each other,
 * each replica follows its primary.
 */
final class ClusterSetup {
  private static final int SLOTS = 16384;

  private ClusterSetup() {}

  /** The first half of {@code ports} become primaries, the second half their replicas, in the same order. */
  static void create(List<Integer> ports) {
    int primaries = ports.size() / 2;
    for (int i = 0; i < ports.size(); i++) {
      try (Resp resp = new Resp(ports.get(i))) {
        resp.call("CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(i + 1));
        if (i < primaries) {
          resp.call("CLUSTER", "ADDSLOTSRANGE", String.valueOf(SLOTS * i / primaries),
              String.valueOf(SLOTS * (i + 1) / primaries - 1));
        }
      }
    }
    for (int port : ports.subList(1, ports.size())) {
      try (Resp resp = new Resp(port)) {
        resp.call("CLUSTER", "MEET", "127.0.0.1", String.valueOf(ports.get(0))); // bus port: port + 10000
      }
    }
    awaitEveryNode(ports, nodes -> nodes.lines().count() == ports.size()
        && !nodes.contains("handshake") && !nodes.contains("noaddr"), "to know the others");
    for (int i = 0; i < primaries; i++) {
      String primaryId;
      try (Resp resp = new Resp(ports.get(i))) {
        primaryId = resp.string("CLUSTER", "MYID");
      }
      try (Resp resp = new Resp(ports.get(primaries + i))) {
        resp.call("CLUSTER", "REPLICATE", primaryId);
      }
    }
    awaitEveryNode(ports, nodes -> nodes.lines().filter(line -> line.contains("slave")).count() == primaries,
        "to see every replica");
  }

  private static void awaitEveryNode(List<Integer> ports, Predicate<String> clusterNodes, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int port : ports) {
      try (Resp resp = new Resp(port)) {
        while (!clusterNodes.test(resp.string("CLUSTER", "NODES"))) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("cluster node " + port + " failed " + what + " within 30 s");
          }
          RedisServers.sleep(50);
        }
      }
    }
  }
}
