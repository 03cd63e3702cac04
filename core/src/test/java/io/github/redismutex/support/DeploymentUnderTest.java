package io.github.redismutex.support;

import io.github.redismutex.RedisLocksBuilder;
import io.lettuce.core.cluster.SlotHash;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One deployment a contract test runs on, as the test sees it: how clients connect to it ({@link #builder}, and
 * {@link #target} for a child JVM), and which servers to look at behind the library's back: where a key lives
 * ({@link #serversOf}), and every server clients talk to ({@link #servers}). Made by {@link Deployments}.
 */
public final class DeploymentUnderTest {
  /** The kinds of deployment; a contract test class is parameterized by these. */
  public enum Kind {
    ONE_SERVER("one server"),
    SENTINEL("Sentinel"),
    CLUSTER("Cluster"),
    REDLOCK("Redlock over 3 servers");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    @Override
    public String toString() {
      return label;
    }
  }

  private final Kind kind;
  private final String target;
  private final List<RedisServer> servers;
  private final Function<String, List<RedisServer>> serversOf;
  private final Set<String> upkeep;

  /**
   * @param servers every server clients talk to
   * @param serversOf the servers a key lives on: one, or every Redlock server
   * @param upkeep commands the deployment's own machinery runs on {@code servers} now and then (sentinels' pings and
   *     hellos, replicas' acknowledgements, a cluster client's topology refresh): no lock's traffic
   */
  DeploymentUnderTest(Kind kind, String target, List<RedisServer> servers,
      Function<String, List<RedisServer>> serversOf, Set<String> upkeep) {
    this.kind = kind;
    this.target = target;
    this.servers = List.copyOf(servers);
    this.serversOf = serversOf;
    this.upkeep = Set.copyOf(upkeep);
  }

  static DeploymentUnderTest oneServer(RedisServer server) {
    return new DeploymentUnderTest(Kind.ONE_SERVER, server.uri(), List.of(server), key -> List.of(server), Set.of());
  }

  static DeploymentUnderTest sentinel(SentinelDeployment deployment) {
    List<RedisServer> primary = List.of(deployment.primary()); // no failover here: it stays the primary
    return new DeploymentUnderTest(Kind.SENTINEL, deployment.uri(), primary, key -> primary,
        Set.of("ping", "info", "publish", "replconf"));
  }

  static DeploymentUnderTest cluster(ClusterDeployment deployment) {
    Map<Integer, RedisServer> primaryBySlot = new ConcurrentHashMap<>(); // no failover here: slots stay put
    return new DeploymentUnderTest(Kind.CLUSTER, Targets.cluster(List.of(deployment.uris())), deployment.nodes(),
        key -> List.of(primaryBySlot.computeIfAbsent(SlotHash.getSlot(key), slot -> deployment.primaryOf(key))),
        Set.of("ping", "info", "replconf", "cluster", "client", "hello", "command"));
  }

  static DeploymentUnderTest redlock(List<RedisServer> servers) {
    return new DeploymentUnderTest(Kind.REDLOCK, Targets.redlock(servers.stream().map(RedisServer::uri).toList()),
        servers, key -> servers, Set.of());
  }

  public Kind kind() {
    return kind;
  }

  /** The deployment in one string, for {@link Targets} (a child JVM's command line). */
  public String target() {
    return target;
  }

  /** A builder connecting to this deployment. */
  public RedisLocksBuilder builder() {
    return Targets.builder(target);
  }

  /** Whether {@code newCondition} works here: everywhere but on Redlock. */
  public boolean supportsConditions() {
    return kind != Kind.REDLOCK;
  }

  /** Every server clients talk to: the one server, the Sentinel primary, every Cluster node, every Redlock server. */
  public List<RedisServer> servers() {
    return servers;
  }

  /** Where {@code key} lives: the one server, the primary (of its slot), or every Redlock server. */
  public List<RedisServer> serversOf(String key) {
    return serversOf.apply(key);
  }

  /** The one server {@code key} lives on; not for Redlock. */
  public RedisServer serverOf(String key) {
    List<RedisServer> of = serversOf(key);
    if (of.size() != 1) {
      throw new IllegalStateException(kind + " keeps a key on " + of.size() + " servers");
    }
    return of.get(0);
  }

  /** How many servers of {@link #serversOf} hold {@code key}. */
  public long serversHolding(String key) {
    return serversOf(key).stream().filter(server -> server.admin().exists(key) == 1).count();
  }

  /** The value a majority of {@link #serversOf} hold at {@code key}, if they agree on one. */
  public Optional<String> majorityValue(String key) {
    List<RedisServer> of = serversOf(key);
    Map<String, Long> votes = new TreeMap<>();
    for (RedisServer server : of) {
      String value = server.admin().get(key);
      if (value != null) {
        votes.merge(value, 1L, Long::sum);
      }
    }
    return votes.entrySet().stream().filter(vote -> vote.getValue() > of.size() / 2).map(Map.Entry::getKey)
        .findFirst();
  }

  /** Deletes {@code key} wherever it lives, behind the library's back. */
  public void delete(String key) {
    serversOf(key).forEach(server -> server.admin().del(key));
  }

  /** Subscribers of {@code channel} on each of {@link #servers}, in their order. */
  public List<Long> subscribers(String channel) {
    return servers.stream().map(server -> server.admin().pubsubNumsub(channel).getOrDefault(channel, 0L)).toList();
  }

  /**
   * How many times each command ran, summed over {@link #servers} ({@link RedisServer#commandCalls}), without the
   * deployment's upkeep: what clients asked of it.
   */
  public Map<String, Long> clientCommandCalls() {
    Map<String, Long> calls = new TreeMap<>();
    for (RedisServer server : servers) {
      server.commandCalls().forEach((command, count) -> {
        if (!upkeep.contains(command)) {
          calls.merge(command, count, Long::sum);
        }
      });
    }
    return calls;
  }

  @Override
  public String toString() {
    return kind.toString();
  }
}
