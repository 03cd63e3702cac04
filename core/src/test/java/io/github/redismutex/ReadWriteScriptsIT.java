package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.METADATA;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.ticket;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockStore.Attempt;
import io.github.redismutex.LockStore.Release;
import io.github.redismutex.support.RedisExtension;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The read-write scripts one call at a time (acquire-read.lua, release-read.lua, and acquire.lua with the readers),
 * through {@link LettuceLockStore} against a real Redis, checking what each left in Redis: the cases an
 * acquisition's loop seldom meets (a lost answer, a give-way marker, many stale tickets, an abandoned attempt).
 */
@ExtendWith(RedisExtension.class)
class ReadWriteScriptsIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  private String writeKey(String name) {
    return LockKeys.writeKey(fixture.key(name));
  }

  @Test
  void aReadAttemptWhoseEarlierAnswerWasLostKeepsItsHoldEvenWhenAWriterQueuedMeanwhile() throws Exception {
    String w = writeKey("lost answer");
    assertThat(reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, false, "")))
        .isEqualTo(Attempt.acquired(0)); // its answer never reached the caller
    assertThat(reply(fixture.store.acquireWrite(w, fixture.otherToken, LEASE_MILLIS, METADATA, ticket())).outcome())
        .as("the writer waits for that reader").isEqualTo(Attempt.Outcome.HELD);
    assertThat(reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, true, "")))
        .as("the retry finds its own hold").isEqualTo(Attempt.acquired(0));
    assertThat(fixture.admin().pttl(LockKeys.readerKey(w, fixture.token))).isGreaterThan(SHORT_TTL_MILLIS);
  }

  @Test
  void aGiveWayMarkerHoldsNoReaderBackNotEvenOfTheInstanceThatLeftIt() throws Exception {
    String w = writeKey("give-way");
    fixture.admin().set(w, "yield " + fixture.instanceId, px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, true, "")))
        .isEqualTo(Attempt.acquired(0));
    assertThat(reply(fixture.store.acquireWrite(w, fixture.otherToken, LEASE_MILLIS, METADATA, null)).outcome())
        .as("a writer of another instance then waits for the reader").isEqualTo(Attempt.Outcome.HELD);
  }

  @Test
  void moreStaleWriterTicketsThanOneStepDropsStillHoldReadersBackForAMoment() throws Exception {
    String w = writeKey("stale tickets");
    for (int i = 0; i < 101; i++) { // tickets of writers that died: fresh until long ago
      fixture.admin().zadd(LockKeys.queueKey(w), i, "dead-" + i);
      fixture.admin().hset(LockKeys.ticketsKey(w), "dead-" + i, "nonce-" + i + " 1000 4242 host thread");
    }
    fixture.admin().zadd(LockKeys.queueKey(w), 1_000, "alive");
    fixture.admin().hset(LockKeys.ticketsKey(w), "alive",
        "nonce " + (System.currentTimeMillis() + 60_000) + " 4242 host thread");
    Attempt first = reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, true, ""));
    assertThat(first.outcome()).isEqualTo(Attempt.Outcome.HELD);
    assertThat(first.remainingLeaseMillis()).as("look again soon").isEqualTo(1);
    assertThat(reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, true, "")).outcome())
        .as("then the live writer's ticket holds it back").isEqualTo(Attempt.Outcome.HELD);
    assertThat(fixture.admin().zcard(LockKeys.queueKey(w))).as("stale tickets dropped").isEqualTo(1);
  }

  @Test
  void theCleanUpOfAReadAttemptThatGotNothingAnnouncesNothing() throws Exception {
    String w = writeKey("abandoned");
    fixture.admin().set(w, value(fixture.otherToken, 1), px(SHORT_TTL_MILLIS)); // a writer holds it
    fixture.admin().set(LockKeys.waitersKey(w), "1", px(SHORT_TTL_MILLIS)); // and others wait
    fixture.admin().sadd(LockKeys.readersKey(w), "a-reader-that-died"); // no live reader: only a dead one's entry
    BlockingQueue<ScriptFixture.Heard> heard = fixture.listenTo(LockKeys.releaseChannel(w));
    assertThat(reply(fixture.store.releaseRead(w, fixture.token))).isEqualTo(Release.EXPIRED);
    assertThat(fixture.heardBeforeMarker(heard)).as("no wake-up for the waiters").isEmpty();
    assertThat(fixture.admin().exists(LockKeys.waitersKey(w))).as("the mark stays").isEqualTo(1);
  }

  @Test
  void theLastReadersReleaseAnnouncesItWhenSomebodyWaits() throws Exception {
    String w = writeKey("last reader");
    reply(fixture.store.acquireRead(w, fixture.token, LEASE_MILLIS, METADATA, false, ""));
    reply(fixture.store.acquireRead(w, fixture.otherToken, LEASE_MILLIS, METADATA, false, ""));
    fixture.admin().set(LockKeys.waitersKey(w), "1", px(SHORT_TTL_MILLIS));
    BlockingQueue<ScriptFixture.Heard> heard = fixture.listenTo(LockKeys.releaseChannel(w));
    assertThat(reply(fixture.store.releaseRead(w, fixture.token))).isEqualTo(Release.RELEASED);
    assertThat(fixture.heardBeforeMarker(heard)).as("another reader still holds").isEmpty();
    assertThat(reply(fixture.store.releaseRead(w, fixture.otherToken))).isEqualTo(Release.RELEASED);
    assertThat(fixture.heardBeforeMarker(heard))
        .containsExactly(new ScriptFixture.Heard(LockKeys.releaseChannel(w), "released"));
    assertThat(fixture.admin().exists(LockKeys.readersKey(w), LockKeys.waitersKey(w))).isZero();
  }
}
