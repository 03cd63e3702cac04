package io.github.redismutex.spring;

import io.github.redismutex.RedisLocks;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.integration.support.locks.LockRegistry;

/** The {@link LockRegistry} over the one {@link RedisLocks}, whichever configuration (or the application) made it. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(LockRegistry.class)
final class LockRegistryConfiguration {
  @Bean
  @ConditionalOnMissingBean(LockRegistry.class)
  @ConditionalOnSingleCandidate(RedisLocks.class)
  RedisMutexLockRegistry redisMutexLockRegistry(RedisLocks redisLocks) {
    return new RedisMutexLockRegistry(redisLocks);
  }
}
