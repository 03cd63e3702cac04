package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** URIs are checked when the builder gets them, and no message ever shows a password. */
class RedisUrisTest {
  @ParameterizedTest
  @ValueSource(strings = {"redis://user:s3cret@host:6379", "redis://:s3cret@host:6379", "rediss://s3cret@host:6380/2",
      "redis-sentinel://user:s3cret@h1:26379,h2:26379#mymaster"})
  void validUrisPass(String uri) {
    assertThat(RedisUris.check("uri", uri)).isNotNull();
  }

  @Test
  void aMalformedUriIsRejectedWithoutItsPassword() {
    assertThatThrownBy(() -> RedisLocks.builder().uri("redis://user:s3cret@ho st:6379"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("uri must be a Redis URI")
        .hasMessageContaining("***@")
        .hasMessageNotContaining("s3cret")
        .hasNoCause();
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis://user:s3cret@host:99999", "redis-sentinel://user:s3cret@h1:26379,h2:77777#m"})
  void aPortOutOfRangeIsRejectedAtTheBuilderNotAtConnect(String uri) {
    assertThatThrownBy(() -> RedisLocks.builder().uri(uri))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("uri must")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aRepeatedRedlockUriIsNamedByPositionNotShown() {
    assertThatThrownBy(() -> RedisLocks.builder().redlock("redis://:s3cret@a:1", "redis://:s3cret@b:1",
        "redis://:s3cret@a:1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("URI 3 of 3")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void aClusterSeedAndARedlockServerAreCheckedToo() {
    assertThatThrownBy(() -> RedisLocks.builder().cluster("redis://:s3cret@host:70000"))
        .hasMessageContaining("a cluster seed URI").hasMessageNotContaining("s3cret");
    assertThatThrownBy(() -> RedisLocks.builder().redlock("redis://a:1", "redis://b:1", "redis://:s3cret@c d:1"))
        .hasMessageContaining("a redlock server URI").hasMessageNotContaining("s3cret");
  }
}
