package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {
  @Test
  void whereIsHostAndPortWithoutCredentials() throws UsageException {
    assertThat(Target.of("redis://user:s3cret@db.example:6380/2", "p:").where()).isEqualTo("db.example:6380");
    assertThat(Target.of("redis://[::1]:7000", "p:").where()).isEqualTo("[::1]:7000");
    assertThat(Target.of("redis-socket:///tmp/redis.sock", "p:").where()).isEqualTo("/tmp/redis.sock");
    assertThat(Target.of("redis-sentinel://:pw@s1:26379,s2:26380/0#main", "p:").where())
        .isEqualTo("master 'main' of the sentinels s1:26379,s2:26380");
  }

  @Test
  void redactMasksThePasswordAsWrittenAndDecoded() throws UsageException {
    Target target = Target.of("redis://admin:p%40ss@h:1", "p:");

    assertThat(target.redact("auth admin:p%40ss failed for p@ss")).isEqualTo("auth **** failed for ****");
  }

  @Test
  void aUriLettuceRefusesIsAUsageErrorThatHidesItsPassword() {
    assertThatThrownBy(() -> Target.of("http://:hunter2@h", "p:")).isInstanceOf(UsageException.class)
        .hasMessageStartingWith("--uri (or REDIS_URL) is not a Redis URI")
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aPrefixWithBracesIsAUsageError() {
    assertThatThrownBy(() -> Target.of("redis://h", "a{b}")).isInstanceOf(UsageException.class)
        .hasMessageStartingWith("--prefix: keyPrefix must not contain '{' or '}'");
  }
}
