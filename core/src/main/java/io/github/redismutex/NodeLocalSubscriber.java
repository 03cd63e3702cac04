package io.github.redismutex;

import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pub/sub side of a Redis Cluster. A release publishes on the node that holds the lock's key, and the cluster
 * bus forwards the message to every other node, a hop that sometimes lags by tens of milliseconds (measured: 5 % of
 * messages about 30 ms late; docs/performance.md). So each channel (named with its lock's hash tag, hence in its
 * key's slot) is subscribed twice: on the cluster pub/sub connection, as on one server, which is what confirms a
 * subscription and what Lettuce re-subscribes after a reconnect; and, unless that connection is on the slot's
 * primary already, on the connection to that primary, which hears the release where it happens. A message may so
 * arrive twice: waking twice costs at most one more attempt,
 * and a grant is taken once. The second subscription is only a shortcut: when it fails, or its node fails over, the
 * first still hears every release. Thread-safe.
 */
final class NodeLocalSubscriber implements Subscriber {
  private static final Logger log = LoggerFactory.getLogger(NodeLocalSubscriber.class);

  private final LettuceSubscriber everywhere;
  private final StatefulRedisClusterPubSubConnection<String, String> cluster;
  /** Channels wanted on a primary, by the node id they are (being) subscribed on there. */
  private final Map<String, String> onPrimary = new ConcurrentHashMap<>();
  /** Node connections that already deliver their messages to the listener. */
  private final Set<String> delivering = ConcurrentHashMap.newKeySet();
  /** The node the cluster pub/sub connection is on: a channel whose primary it is needs no second subscription. */
  private final CompletableFuture<String> home;
  private volatile Subscriber.@Nullable Listener listener;

  NodeLocalSubscriber(StatefulRedisClusterPubSubConnection<String, String> cluster) {
    this.everywhere = new LettuceSubscriber(cluster);
    this.cluster = cluster;
    // asked before anything is subscribed; until it is known (or if it failed), a channel may be subscribed twice on
    // that one node
    this.home = cluster.async().clusterMyId().toCompletableFuture();
  }

  @Override
  public void deliverTo(Subscriber.Listener registry) {
    this.listener = registry;
    everywhere.deliverTo(registry);
  }

  @Override
  public CompletionStage<Void> subscribe(String channel) {
    CompletionStage<Void> confirmed = everywhere.subscribe(channel);
    alsoOnPrimary(channel);
    return confirmed;
  }

  @Override
  public void unsubscribe(String channel) {
    everywhere.unsubscribe(channel);
    String nodeId = onPrimary.remove(channel);
    if (nodeId != null) {
      unsubscribeOn(nodeId, channel);
    }
  }

  @SuppressWarnings("FutureReturnValueIgnored") // fire and forget: its outcome is handled (logged) where it ends
  private void alsoOnPrimary(String channel) {
    if (channel.startsWith("__keyspace@")) {
      return; // keyspace notifications are not used on a cluster (WakeupMode.CHANNEL); the filter for them is there
    }
    RedisClusterNode primary = cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(channel));
    if (primary == null) {
      return; // no primary known for the slot now (a failover): the cluster connection hears the release
    }
    String nodeId = primary.getNodeId();
    String homeId = home.isDone() && !home.isCompletedExceptionally() ? home.join() : null;
    if (nodeId.equals(homeId)) {
      return; // the cluster connection is on the primary already: it hears the release where it happens
    }
    onPrimary.put(channel, nodeId);
    cluster.getConnectionAsync(nodeId).thenCompose(node -> {
      deliverFrom(nodeId, node);
      return node.async().subscribe(channel);
    }).whenComplete((ok, failure) -> {
      if (failure != null) {
        log.debug("SUBSCRIBE {} on the primary {} failed; the cluster connection still hears it", channel, nodeId,
            failure);
      } else if (!nodeId.equals(onPrimary.get(channel))) {
        unsubscribeOn(nodeId, channel); // unsubscribed (or moved) while this subscription was on its way
      }
    });
  }

  /** Messages, not confirmations: a subscription here confirms nothing the registry waits for. */
  private void deliverFrom(String nodeId, StatefulRedisPubSubConnection<String, String> node) {
    Subscriber.Listener registry = listener;
    if (registry != null && delivering.add(nodeId)) {
      node.addListener(new RedisPubSubAdapter<>() {
        @Override
        public void message(String channel, String message) {
          registry.onMessage(channel, message);
        }
      });
    }
  }

  @SuppressWarnings("FutureReturnValueIgnored") // fire and forget, as LettuceSubscriber.unsubscribe
  private void unsubscribeOn(String nodeId, String channel) {
    cluster.getConnectionAsync(nodeId).thenCompose(node -> node.async().unsubscribe(channel))
        .whenComplete((ok, failure) -> {
          if (failure != null) {
            log.debug("UNSUBSCRIBE {} on {} failed", channel, nodeId, failure);
          }
        });
  }
}
