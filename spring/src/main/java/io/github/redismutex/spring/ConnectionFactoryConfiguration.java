package io.github.redismutex.spring;

import io.github.redismutex.LeaseLostListener;
import io.github.redismutex.RedisLocks;
import io.lettuce.core.AbstractRedisClient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * The locks on the Lettuce client of the application's {@link LettuceConnectionFactory} (Spring Boot's, built from
 * {@code spring.data.redis.*}, or one the application defined): borrowed, never shut down by the locks.
 *
 * <p>The factory shuts its client down when the context <em>stops</em>, before any bean is destroyed, so a destroy
 * method alone would close the locks after their connections were gone. {@link LocksStopBeforeFactory} closes them
 * in the lifecycle phase just before the factory's, while the client still runs: unconfirmed releases are sent, and
 * the connections close cleanly. Conditional as a whole, so that neither bean exists beside a {@code RedisLocks} of
 * the application's.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(LettuceConnectionFactory.class)
@ConditionalOnSingleCandidate(LettuceConnectionFactory.class)
@ConditionalOnMissingBean(RedisLocks.class)
final class ConnectionFactoryConfiguration {
  @Bean(destroyMethod = "close")
  RedisLocks redisLocks(LettuceConnectionFactory connectionFactory, RedisMutexProperties properties,
      ObjectProvider<LeaseLostListener> leaseLostListener, ObjectProvider<RedisLocksBuilderCustomizer> customizers) {
    return LocksBuilders.borrowing(nativeClient(connectionFactory), properties, leaseLostListener, customizers).build();
  }

  @Bean
  LocksStopBeforeFactory redisLocksStopBeforeConnectionFactory(
      RedisLocks redisLocks, LettuceConnectionFactory connectionFactory) {
    return new LocksStopBeforeFactory(redisLocks, connectionFactory.getPhase());
  }

  private static AbstractRedisClient nativeClient(LettuceConnectionFactory connectionFactory) {
    // The factory makes its client when it starts: in afterPropertiesSet, unless early start-up was turned off.
    if (!connectionFactory.isRunning()) {
      throw new IllegalStateException("the LettuceConnectionFactory has not started, so it has no Lettuce client to"
          + " lend redis-mutex yet: leave its earlyStartup on, or define a RedisLocks bean of your own");
    }
    return connectionFactory.getRequiredNativeClient();
  }
}
