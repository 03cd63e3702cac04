package io.github.redismutex.spring;

import io.github.redismutex.LeaseLostListener;
import io.github.redismutex.RedisLocks;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * The locks on a Lettuce client of this module's own, made from {@code spring.data.redis.*} where the application
 * has no Lettuce client to lend (Spring Data Redis on Jedis, or not there at all). The client is a bean of its own
 * that the locks depend on, so the context closes the locks first and then shuts the client down.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnMissingBean(RedisLocks.class)
final class OwnClientConfiguration {
  @Bean(destroyMethod = "close")
  OwnedRedisClient redisMutexOwnedClient(Environment environment) {
    return OwnedRedisClient.fromSpringDataRedis(environment);
  }

  @Bean(destroyMethod = "close")
  RedisLocks redisLocks(OwnedRedisClient redisMutexOwnedClient, RedisMutexProperties properties,
      ObjectProvider<LeaseLostListener> leaseLostListener, ObjectProvider<RedisLocksBuilderCustomizer> customizers) {
    return LocksBuilders.borrowing(redisMutexOwnedClient.client(), properties, leaseLostListener, customizers).build();
  }
}
