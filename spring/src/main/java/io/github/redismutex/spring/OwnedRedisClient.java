package io.github.redismutex.spring;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;

/**
 * A Lettuce client for one Redis server made from Spring Boot's {@code spring.data.redis.*} settings, as Boot reads
 * them: {@code url} (which overrides host, port, username, password and database), else {@code host} (default
 * localhost), {@code port} (6379), {@code username}, {@code password}, {@code database}; and {@code ssl.enabled},
 * {@code client-name}, {@code connect-timeout}. Sentinel, Cluster and SSL bundles are refused with a message saying
 * what to do instead. Owned, with its own threads: {@link #close()} shuts both down.
 *
 * <p>The settings are read with Boot's {@link Binder}, not through Boot's own properties class, so this works
 * without Spring Data Redis on the class path. The client is made from a {@link RedisURI} object, never from a URI
 * text with the password in it, and no message here quotes a URL or a password.
 */
final class OwnedRedisClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OwnedRedisClient.class);
  private static final String PREFIX = "spring.data.redis.";

  private final RedisClient client;
  private final ClientResources resources; // the client's alone: shut down after it

  private OwnedRedisClient(RedisClient client, ClientResources resources) {
    this.client = client;
    this.resources = resources;
  }

  /**
   * @throws IllegalStateException if the settings name a Sentinel, a Cluster or an SSL bundle
   * @throws IllegalArgumentException if {@code spring.data.redis.url} is not a Redis URL
   */
  static OwnedRedisClient fromSpringDataRedis(Environment environment) {
    Binder binder = Binder.get(environment);
    refuseUnsupported(binder);
    RedisURI uri = redisUri(binder);
    ClientResources resources = resources();
    RedisClient client = RedisClient.create(resources, uri);
    ClientOptions.Builder options = ClientOptions.builder()
        // As the library's own clients: fail fast while disconnected instead of queueing, since callers retry
        // with their own deadlines.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    binder.bind(PREFIX + "connect-timeout", Duration.class)
        .ifBound(timeout -> options.socketOptions(SocketOptions.builder().connectTimeout(timeout).build()));
    client.setOptions(options.build());
    return new OwnedRedisClient(client, resources);
  }

  /**
   * As the library's own clients have: reconnects after 10 ms doubling to 1 s (Lettuce's default grows to 30 s,
   * which would leave the locks unusable that long after a Redis restart), and named daemon threads,
   * {@code redis-mutex-spring-lettuce-<pool>-<n>}.
   */
  private static ClientResources resources() {
    return ClientResources.builder()
        .reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
        .threadFactoryProvider(pool -> {
          AtomicInteger count = new AtomicInteger();
          return task -> {
            Thread thread = new Thread(task, "redis-mutex-spring-lettuce-" + pool + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
          };
        })
        .build();
  }

  RedisClient client() {
    return client;
  }

  /** Shuts the client and its threads down, each wait bounded, so that closing the context cannot hang on it. */
  @Override
  public void close() {
    try {
      client.shutdownAsync(0, 2, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("redis-mutex's own Lettuce client did not shut down within 5 s; its threads may linger", e);
    }
    resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }

  private static RedisURI redisUri(Binder binder) {
    RedisURI uri = binder.bind(PREFIX + "url", String.class).map(OwnedRedisClient::parseUrl)
        .orElseGet(() -> fromParts(binder));
    if (binder.bind(PREFIX + "ssl.enabled", Boolean.class).orElse(false)) {
      uri.setSsl(true);
    }
    binder.bind(PREFIX + "client-name", String.class).ifBound(uri::setClientName);
    return uri;
  }

  private static RedisURI fromParts(Binder binder) {
    RedisURI.Builder uri = RedisURI.Builder
        .redis(binder.bind(PREFIX + "host", String.class).orElse("localhost"),
            binder.bind(PREFIX + "port", Integer.class).orElse(RedisURI.DEFAULT_REDIS_PORT))
        .withDatabase(binder.bind(PREFIX + "database", Integer.class).orElse(0));
    String password = binder.bind(PREFIX + "password", String.class).orElse(null);
    if (password != null) { // as Boot: a username counts only with a password (AUTH username password)
      String username = binder.bind(PREFIX + "username", String.class).orElse(null);
      if (username != null) {
        uri.withAuthentication(username, password);
      } else {
        uri.withPassword((CharSequence) password);
      }
    }
    return uri.build();
  }

  private static RedisURI parseUrl(String url) {
    try {
      return RedisURI.create(url);
    } catch (IllegalArgumentException e) { // NumberFormatException too
      // Neither the URL nor the cause goes into the message: Lettuce's messages quote parts of it, password too.
      throw new IllegalArgumentException("spring.data.redis.url is not a Redis URL (redis://[[user]:password@]host"
          + "[:port][/database], or rediss://... for TLS); its value is left out here, as it may hold a password");
    }
  }

  private static void refuseUnsupported(Binder binder) {
    String instead = "; redis-mutex reads spring.data.redis.* itself only for one server. Use Spring Data Redis"
        + " with Lettuce (spring-boot-starter-data-redis), whose client it then borrows, or define a RedisLocks bean";
    if (binder.bind(PREFIX + "sentinel.master", String.class).isBound()) {
      throw new IllegalStateException("spring.data.redis.sentinel.master is set" + instead);
    }
    if (binder.bind(PREFIX + "cluster.nodes", Bindable.listOf(String.class)).isBound()) {
      throw new IllegalStateException("spring.data.redis.cluster.nodes is set" + instead);
    }
    if (binder.bind(PREFIX + "ssl.bundle", String.class).isBound()) {
      throw new IllegalStateException("spring.data.redis.ssl.bundle is set" + instead);
    }
    List<String> none = List.of();
    if (!binder.bind(PREFIX + "masterreplica.nodes", Bindable.listOf(String.class)).orElse(none).isEmpty()) {
      throw new IllegalStateException("spring.data.redis.masterreplica.nodes is set" + instead);
    }
  }
}
