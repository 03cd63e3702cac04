package io.github.redismutex.support;

import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisLocksBuilder;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.Arrays;
import java.util.List;

/**
 * A deployment named in one string, so that a child JVM can be told it on its command line: a server's URI
 * ({@code redis://…}, or {@code redis-sentinel://…#master}), or {@code cluster:} or {@code redlock:} followed
 * by the servers' URIs, separated by commas.
 */
public final class Targets {
  private static final String CLUSTER = "cluster:";
  private static final String REDLOCK = "redlock:";

  private Targets() {}

  public static String cluster(List<String> uris) {
    return CLUSTER + String.join(",", uris);
  }

  public static String redlock(List<String> uris) {
    return REDLOCK + String.join(",", uris);
  }

  /** A builder connecting to {@code target}; the caller adds its settings. */
  public static RedisLocksBuilder builder(String target) {
    if (target.startsWith(CLUSTER)) {
      return RedisLocks.builder().cluster(uris(target, CLUSTER));
    }
    if (target.startsWith(REDLOCK)) {
      return RedisLocks.builder().redlock(uris(target, REDLOCK));
    }
    return RedisLocks.builder().uri(target);
  }

  /**
   * A connection of the test's own for data beside the locks (a shared buffer, a counter): to the server, or to the
   * cluster. Redlock has no one place for data.
   */
  public static Data data(String target) {
    if (target.startsWith(REDLOCK)) {
      throw new IllegalArgumentException("a Redlock deployment has no one server for data: " + target);
    }
    if (target.startsWith(CLUSTER)) {
      RedisClusterClient client = RedisClusterClient.create(
          Arrays.stream(uris(target, CLUSTER)).map(RedisURI::create).toList());
      StatefulRedisClusterConnection<String, String> connection = client.connect();
      return new Data(connection.sync(), () -> {
        connection.close();
        Clients.shutdown(client);
      });
    }
    RedisClient client = RedisClient.create(target);
    StatefulRedisConnection<String, String> connection = client.connect();
    return new Data(connection.sync(), () -> {
      connection.close();
      Clients.shutdown(client);
    });
  }

  /** A data connection: the commands both a server and a cluster take. */
  public record Data(RedisClusterCommands<String, String> sync, Runnable closer) implements AutoCloseable {
    @Override
    public void close() {
      closer.run();
    }
  }

  private static String[] uris(String target, String kind) {
    return target.substring(kind.length()).split(",");
  }
}
