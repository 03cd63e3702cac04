package io.github.redismutex.spring;

import io.github.redismutex.LeaseLostListener;
import io.github.redismutex.RedisLocksBuilder;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.cluster.RedisClusterClient;
import org.springframework.beans.factory.ObjectProvider;

/** The one way the configurations here start a {@link RedisLocksBuilder}: the properties, the listener, a client. */
final class LocksBuilders {
  private LocksBuilders() {}

  /**
   * A builder with {@code properties}, telling lost leases to the application's {@link LeaseLostListener} bean if
   * it has one, adjusted by every {@link RedisLocksBuilderCustomizer} bean, borrowing {@code client} (a
   * standalone/Sentinel {@code RedisClient} or a {@code RedisClusterClient}).
   */
  static RedisLocksBuilder borrowing(AbstractRedisClient client, RedisMutexProperties properties,
      ObjectProvider<LeaseLostListener> leaseLostListener, ObjectProvider<RedisLocksBuilderCustomizer> customizers) {
    RedisLocksBuilder builder = properties.toBuilder();
    leaseLostListener.ifAvailable(builder::onLeaseLost);
    customizers.orderedStream().forEach(customizer -> customizer.customize(builder));
    if (client instanceof RedisClusterClient cluster) {
      return builder.clusterClient(cluster);
    }
    if (client instanceof RedisClient standalone) {
      return builder.client(standalone);
    }
    throw new IllegalStateException("cannot lock through a Lettuce client of type " + client.getClass().getName()
        + ": redis-mutex takes a RedisClient or a RedisClusterClient");
  }
}
