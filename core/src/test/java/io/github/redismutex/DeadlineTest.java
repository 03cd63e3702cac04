package io.github.redismutex;

import static java.util.concurrent.TimeUnit.HOURS;
import static java.util.concurrent.TimeUnit.MILLISECONDS;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisCommandExecutionException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one time bound of a call: saturating conversions, capping, and waiting for replies against it. */
class DeadlineTest {

  @Test
  void theLongestTimeIsNoDeadlineAtAll() {
    Deadline deadline = Deadline.after(Long.MAX_VALUE, TimeUnit.DAYS);
    assertThat(deadline.isBounded()).isFalse();
    assertThat(deadline.remainingNanos()).isEqualTo(Long.MAX_VALUE);
    assertThat(deadline.hasPassed()).isFalse();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -5_000, Long.MIN_VALUE})
  void zeroOrNegativeTimeGivesADeadlineThatHasPassed(long millis) {
    Deadline deadline = Deadline.after(millis, MILLISECONDS);
    assertThat(deadline.hasPassed()).isTrue();
    assertThat(deadline.remainingNanos()).isZero();
    assertThat(deadline.isBounded()).isTrue();
  }

  @Test
  void aDeadlineAheadHasNotPassedAndHasAtMostItsTimeLeft() {
    Deadline deadline = Deadline.after(1, HOURS);
    assertThat(deadline.hasPassed()).isFalse();
    assertThat(deadline.remainingNanos()).isPositive().isLessThanOrEqualTo(HOURS.toNanos(1));
  }

  @Test
  void cappedTakesTheEarlierOfTheDeadlineAndTheCap() {
    Deadline inAnHour = Deadline.after(1, HOURS);
    assertThat(inAnHour.capped(SECONDS.toNanos(1)).remainingNanos()).isPositive().isLessThanOrEqualTo(SECONDS.toNanos(1));

    Deadline inASecond = Deadline.after(1, SECONDS);
    assertThat(inASecond.capped(HOURS.toNanos(1)).remainingNanos()).isPositive().isLessThanOrEqualTo(SECONDS.toNanos(1));
  }

  @Test
  void cappingNoDeadlineGivesTheCapAndAnUnboundedCapChangesNothing() {
    Deadline capped = Deadline.never().capped(SECONDS.toNanos(1));
    assertThat(capped.isBounded()).isTrue();
    assertThat(capped.remainingNanos()).isPositive().isLessThanOrEqualTo(SECONDS.toNanos(1));

    assertThat(Deadline.never().capped(Long.MAX_VALUE).isBounded()).isFalse();
    Deadline inASecond = Deadline.after(1, SECONDS);
    assertThat(inASecond.capped(Long.MAX_VALUE).remainingNanos()).isLessThanOrEqualTo(SECONDS.toNanos(1));
  }

  @Test
  void awaitOfAReplyThatNeverComesTimesOutAtTheDeadline() {
    long start = System.nanoTime();
    Deadline deadline = Deadline.after(200, MILLISECONDS);
    assertThatThrownBy(() -> deadline.await(new CompletableFuture<String>())).isInstanceOf(TimeoutException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 1_200L);
  }

  @Test
  void awaitUninterruptiblyOfAReplyThatNeverComesTimesOutAtTheDeadline() {
    long start = System.nanoTime();
    Deadline deadline = Deadline.after(200, MILLISECONDS);
    assertThatThrownBy(() -> deadline.awaitUninterruptibly(new CompletableFuture<String>()))
        .isInstanceOf(TimeoutException.class);
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(200L, 1_200L);
  }

  @Test
  void awaitOfAReplyAlreadyThereReturnsItEvenAfterTheDeadline() throws Exception {
    assertThat(Deadline.after(0, SECONDS).await(CompletableFuture.completedFuture("OK"))).isEqualTo("OK");
  }

  @Test
  void awaitRethrowsAFailedReplysRuntimeExceptionUnwrapped() {
    RedisCommandExecutionException failure = new RedisCommandExecutionException("NOPERM no permission");
    CompletableFuture<String> failed = CompletableFuture.failedFuture(failure);
    Deadline deadline = Deadline.after(5, SECONDS);
    assertThatThrownBy(() -> deadline.await(failed)).isSameAs(failure);
    assertThatThrownBy(() -> deadline.await(failed.thenApply(String::length))).as("through a dependent stage")
        .isSameAs(failure);
  }

  @Test
  void awaitUninterruptiblyKeepsWaitingWhenInterruptedAndSetsTheFlagAgainAfterwards() throws Exception {
    CompletableFuture<String> reply = new CompletableFuture<>();
    CompletableFuture<String> returned = new CompletableFuture<>();
    AtomicBoolean interruptedOnReturn = new AtomicBoolean();
    Thread waiter =
        new Thread(
            () -> {
              try {
                String value = Deadline.after(30, SECONDS).awaitUninterruptibly(reply);
                interruptedOnReturn.set(Thread.currentThread().isInterrupted());
                returned.complete(value);
              } catch (Throwable t) {
                returned.completeExceptionally(t);
              }
            },
            "deadline-test-waiter");
    waiter.start();
    await().until(() -> waiter.getState() == Thread.State.TIMED_WAITING);

    waiter.interrupt();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !returned.isDone());
    assertThat(waiter.isAlive()).isTrue();

    reply.complete("granted");
    assertThat(returned.get(5, SECONDS)).isEqualTo("granted");
    assertThat(interruptedOnReturn).as("interrupt flag when awaitUninterruptibly returned").isTrue();
    waiter.join(5_000);
  }
}
