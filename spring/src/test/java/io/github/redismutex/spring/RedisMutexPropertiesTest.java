package io.github.redismutex.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.redismutex.RedisLocks;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Binding {@code redis-mutex.*} as Spring Boot does, without a context or Redis. */
class RedisMutexPropertiesTest {
  @Test
  void defaultsAreTheLibrarysExceptThatServerConfigurationIsLeftAlone() {
    RedisMutexProperties properties = new RedisMutexProperties();
    assertThat(properties.getLeaseTime()).isEqualTo(RedisLocks.DEFAULT_LEASE_TIME);
    assertThat(properties.getCommandTimeout()).isEqualTo(RedisLocks.DEFAULT_COMMAND_TIMEOUT);
    assertThat(properties.getMaxLocalHandOvers()).isEqualTo(RedisLocks.DEFAULT_MAX_LOCAL_HAND_OVERS);
    assertThat(properties.getKeyPrefix()).isEqualTo("redis-mutex:");
    assertThat(properties.isConfigureKeyspaceNotifications()).isFalse();
  }

  @Test
  void everyPropertyBindsFromItsKebabCaseName() {
    RedisMutexProperties properties = bind(Map.of(
        "redis-mutex.lease-time", "10s",
        "redis-mutex.key-prefix", "orders-service:",
        "redis-mutex.command-timeout", "500ms",
        "redis-mutex.configure-keyspace-notifications", "true",
        "redis-mutex.max-local-hand-overs", "0",
        "redis-mutex.replica-acknowledgements", "1",
        "redis-mutex.replica-acknowledgement-timeout", "250ms"));
    assertThat(properties.getLeaseTime()).isEqualTo(Duration.ofSeconds(10));
    assertThat(properties.getKeyPrefix()).isEqualTo("orders-service:");
    assertThat(properties.getCommandTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(properties.isConfigureKeyspaceNotifications()).isTrue();
    assertThat(properties.getMaxLocalHandOvers()).isZero();
    assertThat(properties.getReplicaAcknowledgements()).isEqualTo(1);
    assertThat(properties.getReplicaAcknowledgementTimeout()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void replicaAcknowledgementsAreOffByDefaultAndOutOfRangeFailsNamingTheProperty() {
    assertThat(new RedisMutexProperties().getReplicaAcknowledgements()).isZero();
    assertThatThrownBy(() -> bind(Map.of("redis-mutex.replica-acknowledgements", "17")))
        .isInstanceOf(BindException.class)
        .hasStackTraceContaining("IllegalArgumentException: redis-mutex.replica-acknowledgements is invalid:"
            + " replicas must be from 1 to 16, was 17");
  }

  @Test
  void leaseTimeBelowTheLibrarysMinimumFailsNamingPropertyAndValue() {
    assertThatThrownBy(() -> bind(Map.of("redis-mutex.lease-time", "50ms")))
        .isInstanceOf(BindException.class)
        .hasStackTraceContaining("IllegalArgumentException: redis-mutex.lease-time is invalid: leaseTime")
        .hasStackTraceContaining("PT0.05S");
  }

  @Test
  void keyPrefixWithABraceFailsNamingTheRule() {
    assertThatThrownBy(() -> bind(Map.of("redis-mutex.key-prefix", "app{1}:")))
        .isInstanceOf(BindException.class)
        .hasStackTraceContaining("IllegalArgumentException: redis-mutex.key-prefix is invalid: keyPrefix must not"
            + " contain '{' or '}'");
  }

  @Test
  void maxLocalHandOversOutOfRangeFailsNamingTheRange() {
    assertThatThrownBy(() -> bind(Map.of("redis-mutex.max-local-hand-overs", "-1")))
        .isInstanceOf(BindException.class)
        .hasStackTraceContaining("IllegalArgumentException: redis-mutex.max-local-hand-overs is invalid:"
            + " maxLocalHandOvers must be from 0 to 1000, was -1");
  }

  private static RedisMutexProperties bind(Map<String, String> values) {
    return new Binder(new MapConfigurationPropertySource(values))
        .bindOrCreate("redis-mutex", Bindable.of(RedisMutexProperties.class));
  }
}
