package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockInfo;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;

class DisplayTest {
  @Test
  void controlCharactersAreEscapedAndUnicodeIsKept() {
    assertThat(Display.printable("a\nb\tc\u001b[31md")).isEqualTo("a\\nb\\tc\\u001b[31md");
    assertThat(Display.quoted("ünï 😀")).isEqualTo("'ünï 😀'");
  }

  @Test
  void leasesReadAsAPersonWouldSayThem() {
    assertThat(Display.lease(Duration.ofMillis(850))).isEqualTo("850 ms");
    assertThat(Display.lease(Duration.ofMillis(27_440))).isEqualTo("27.4 s");
    assertThat(Display.lease(Duration.ofSeconds(245))).isEqualTo("4 min 05 s");
    assertThat(Display.lease(Duration.ofMinutes(130))).isEqualTo("2 h 10 min");
    assertThat(Display.lease(ChronoUnit.FOREVER.getDuration())).isEqualTo("no expiry");
  }

  @Test
  void fencingTokenZeroMeansNoneDrawnYet() {
    assertThat(Display.fencingToken(info(0))).startsWith("none drawn yet");
    assertThat(Display.fencingToken(info(17))).isEqualTo("17");
    assertThat(Display.fencingToken(info(-1))).isEqualTo("unknown");
  }

  @Test
  void holderNamesThreadProcessAndHost() {
    assertThat(Display.holder(info(3))).isEqualTo("thread 'worker 3' of process 4242 on host app-1");
    assertThat(Display.holder(info(-1))).startsWith("unknown");
  }

  private static LockInfo info(long fencingToken) {
    return new LockInfo("n", "app-1", 4242, "worker 3", Instant.EPOCH, Duration.ofSeconds(1), fencingToken);
  }
}
