package io.github.redismutex.spring;

import io.github.redismutex.LeaseLostListener;
import io.github.redismutex.RedisLocks;
import io.lettuce.core.AbstractRedisClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The locks on a Lettuce client that the application defines as a bean ({@code RedisClient} or
 * {@code RedisClusterClient}): borrowed, so closing the locks leaves it open. The client is a direct dependency of
 * the locks, so the context destroys the locks first.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnSingleCandidate(AbstractRedisClient.class)
final class ClientBeanConfiguration {
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean
  RedisLocks redisLocks(AbstractRedisClient client, RedisMutexProperties properties,
      ObjectProvider<LeaseLostListener> leaseLostListener, ObjectProvider<RedisLocksBuilderCustomizer> customizers) {
    return LocksBuilders.borrowing(client, properties, leaseLostListener, customizers).build();
  }
}
