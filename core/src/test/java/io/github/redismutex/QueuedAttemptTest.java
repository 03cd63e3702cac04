package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The one rule by which an acquisition, blocking or not, trusts a direct hand-over. */
class QueuedAttemptTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private final long sentAt = 1_000_000 * MS;
  private final QueuedAttempt attempt = new QueuedAttempt("nonce-1", sentAt, 5_000_000); // server at 5 s

  @Test
  void aGrantThatEchoesTheNonceHoldsUntilTheAttemptsSendTimePlusSpanAndLeaseLessTheAllowance() {
    Grant grant = new Grant("token", "nonce-1", 2_000, 7, 5_000_000 + 300_000); // 300 ms after the attempt
    long now = sentAt + 400 * MS;
    assertThat(attempt.trustedLeaseEnd(grant, now))
        .hasValue(sentAt + (300 + 2_000 - ClockDrift.allowanceMillis(2_300)) * MS);
  }

  @Test
  void aGrantForAnotherAttemptsNonceIsNotTrusted() {
    Grant grant = new Grant("token", "nonce-0", 2_000, 7, 5_000_000 + 1_000);
    assertThat(attempt.trustedLeaseEnd(grant, sentAt + 10 * MS)).isEmpty();
  }

  @Test
  void aSpanLongerThanThisJvmsElapsedTimeComesFromAnotherClockAndIsNotTrusted() {
    Grant grant = new Grant("token", "nonce-1", 2_000, 7, 5_000_000 + 900_000); // 900 ms by the server
    assertThat(attempt.trustedLeaseEnd(grant, sentAt + 100 * MS)).as("only 100 ms passed here").isEmpty();
  }

  @Test
  void aGrantWhoseLeaseEndedBeforeItWasHeardIsNotTrusted() {
    Grant grant = new Grant("token", "nonce-1", 200, 7, 5_000_000 + 100_000);
    assertThat(attempt.trustedLeaseEnd(grant, sentAt + 5_000 * MS)).isEmpty();
  }
}
