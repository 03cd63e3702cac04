package io.github.redismutex.spring;

import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The locks' Micrometer meters ({@code redis.mutex.*}) in the application's {@link MeterRegistry}, when Micrometer
 * is on the class path and the application has a registry bean (looked up when the locks are built, so the order of
 * auto-configurations does not matter).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "io.micrometer.core.instrument.MeterRegistry")
final class MetricsConfiguration {
  @Bean
  RedisLocksBuilderCustomizer redisMutexMeters(ObjectProvider<MeterRegistry> registry) {
    return builder -> registry.ifAvailable(builder::meterRegistry);
  }
}
