package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.SLACK_MILLIS;
import static io.github.redismutex.ScriptFixture.lease;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockStore.Release;
import io.github.redismutex.ScriptFixture.Heard;
import io.github.redismutex.support.RedisExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * release.lua, renew.lua and extend.lua: what an owner does with a lock it holds, and what each refuses to do for
 * anyone else.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class ReleaseRenewExtendScriptsIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- release.lua

  @Test
  void releaseOfTheCallersTokenNobodyAwaitsDeletesTheKeyButNotTheFenceCounter() throws Exception {
    String key = fixture.key("mine");
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.fenceKey(key), "4");
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().exists(key)).isZero();
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("4");
  }

  @Test
  void releaseOfAnAwaitedLockPublishesTheReleaseAndClearsTheMark() throws Exception {
    String key = fixture.key("announced");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = fixture.listen();
    fixture.pubSub.sync().subscribe(channel); // returns once Redis confirmed the subscription
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, channel))).isEqualTo(Release.RELEASED);
    Heard message = heard.poll(5, TimeUnit.SECONDS);
    assertThat(message).as("message on %s", channel).isNotNull();
    assertThat(message.channel()).isEqualTo(channel);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).isZero();
  }

  @Test
  void releaseOfAnAwaitedLockGivesWayForAMomentUnderTheReleasersId() throws Exception {
    String key = fixture.key("given way");
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().get(key)).isEqualTo("yield " + fixture.instanceId);
    assertThat(fixture.admin().pttl(key)).isBetween(1L, LettuceLockStore.GIVE_WAY_MILLIS);
  }

  @Test
  void releaseOfALockNobodyAwaitsPublishesNothing() throws Exception {
    String key = fixture.key("silent");
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.RELEASED);
    assertThat(fixture.heardBeforeMarker(heard)).isEmpty();
    assertThat(fixture.admin().exists(key)).isZero();
  }

  @Test
  void releaseAfterTheKeyIsGoneReportsExpiredAndCreatesNothing() throws Exception {
    String key = fixture.key("gone");
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.EXPIRED);
    assertThat(fixture.admin().exists(key)).isZero();
  }

  @Test
  void releaseOfAKeyAnotherTokenHoldsReportsTakenAndLeavesIt() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 4), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 4));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().exists(LockKeys.waitersKey(key))).as("mark kept").isOne();
  }

  @Test
  void releaseOfAnAwaitedKeyAnotherTokenHoldsPublishesNothing() throws Exception {
    String key = fixture.key("taken, quietly");
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();
    fixture.admin().set(key, value(fixture.otherToken, 4), px(SHORT_TTL_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(fixture.heardBeforeMarker(heard)).isEmpty();
  }

  @Test
  void releaseOfAValueThatOnlyStartsWithTheCallersTokenReportsTakenAndLeavesIt() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 4), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key)))).isEqualTo(Release.TAKEN);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 4));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  /** Queues a waiter as acquire.lua does: its token by arrival, its ticket "<nonce> <fresh until> <holder>". */
  private void queue(String key, double arrival, String token, String nonce, long freshUntilMillis, String holder) {
    fixture.admin().zadd(LockKeys.queueKey(key), arrival, token);
    fixture.admin().hset(LockKeys.ticketsKey(key), token, nonce + " " + freshUntilMillis + " " + holder);
  }

  private long serverMillis() {
    return Long.parseLong(fixture.admin().time().get(0)) * 1000;
  }

  @Test
  void releaseHandsAnAwaitedLockToTheOldestFreshTicketAndTellsItsWaiter() throws Exception {
    String key = fixture.key("handed over");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = fixture.listenTo(channel);
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    long fresh = serverMillis() + 60_000;
    queue(key, 1, "oldest-token", "nonce-1", fresh, "77 other-host waiting thread");
    queue(key, 2, "younger-token", "nonce-2", fresh, "78 other-host another thread");
    fixture.admin().set(LockKeys.fenceKey(key), "41");
    long before = System.currentTimeMillis();
    assertThat(reply(fixture.store.release(key, fixture.token, channel))).isEqualTo(Release.RELEASED);
    String[] granted = fixture.admin().get(key).split(" ", 4);
    assertThat(granted[0] + " " + granted[1]).as("with the next fencing token").isEqualTo("oldest-token 42");
    assertThat(Long.parseLong(granted[2])).as("granted at, by Redis's clock").isBetween(before - 1_000, before + 1_000);
    assertThat(granted[3]).isEqualTo("77 other-host waiting thread");
    assertThat(fixture.admin().pttl(key)).isBetween(1L, LettuceLockStore.MAX_GRANT_LEASE_MILLIS);
    assertThat(fixture.admin().zrange(LockKeys.queueKey(key), 0, -1)).containsExactly("younger-token");
    assertThat(fixture.admin().hkeys(LockKeys.ticketsKey(key))).containsExactly("younger-token");
    List<Heard> messages = fixture.heardBeforeMarker(heard);
    assertThat(messages).hasSize(1);
    String[] grant = messages.get(0).message().split(" ");
    assertThat(List.of(grant).subList(0, 5))
        .containsExactly("granted", "oldest-token", "nonce-1", Long.toString(LettuceLockStore.MAX_GRANT_LEASE_MILLIS),
            "42");
    assertThat(Long.parseLong(grant[5]) / 1000).as("the server's time of the hand-over, in µs")
        .isBetween(before - 1_000, before + 1_000);
  }

  @Test
  void releaseSkipsTicketsThatAreNoLongerFreshAndDropsThem() throws Exception {
    String key = fixture.key("stale tickets");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = fixture.listenTo(channel);
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    long now = serverMillis();
    queue(key, 1, "gave-up-token", "nonce-1", now - 5_000, "77 host thread");
    fixture.admin().zadd(LockKeys.queueKey(key), 2, "ticketless-token"); // its ticket is gone
    queue(key, 3, "live-token", "nonce-3", now + 60_000, "79 host thread");
    assertThat(reply(fixture.store.release(key, fixture.token, channel))).isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().get(key)).startsWith("live-token ");
    assertThat(fixture.admin().exists(LockKeys.queueKey(key), LockKeys.ticketsKey(key))).as("all taken out").isZero();
    assertThat(fixture.heardBeforeMarker(heard)).singleElement()
        .satisfies(message -> assertThat(message.message()).startsWith("granted live-token nonce-3 "));
  }

  @Test
  void releaseWithOnlyStaleTicketsGivesWayAndAnnouncesTheRelease() throws Exception {
    String key = fixture.key("only stale");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = fixture.listenTo(channel);
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    queue(key, 1, "gave-up-token", "nonce-1", serverMillis() - 5_000, "77 host thread");
    assertThat(reply(fixture.store.release(key, fixture.token, channel))).isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().get(key)).isEqualTo("yield " + fixture.instanceId);
    assertThat(fixture.heardBeforeMarker(heard)).containsExactly(new Heard(channel, "released"));
  }

  @Test
  void releaseWhoseCounterIsNotANumberReleasesAnnouncesAndHandsOverToNobodyChangingNothingElse() throws Exception {
    String key = fixture.key("odd counter");
    String channel = LockKeys.releaseChannel(key);
    BlockingQueue<Heard> heard = fixture.listenTo(channel);
    fixture.admin().set(key, value(fixture.token, 4), px(LEASE_MILLIS));
    fixture.admin().set(LockKeys.waitersKey(key), "1", px(LEASE_MILLIS));
    queue(key, 1, "waiting-token", "nonce-1", serverMillis() + 60_000, "77 host thread");
    fixture.admin().set(LockKeys.fenceKey(key), "not a number");
    assertThat(reply(fixture.store.release(key, fixture.token, channel))).isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().get(LockKeys.fenceKey(key))).isEqualTo("not a number");
    assertThat(fixture.admin().zrange(LockKeys.queueKey(key), 0, -1)).containsExactly("waiting-token");
    assertThat(fixture.heardBeforeMarker(heard)).containsExactly(new Heard(channel, "released"));
  }

  @Test
  void abandonLeavesTheQueueAndReleasesWhatAHandOverGaveTheCaller() throws Exception {
    String key = fixture.key("abandoned");
    fixture.admin().set(key, value(fixture.token, 0), px(LEASE_MILLIS)); // handed over, but its taker gave up
    queue(key, 1, fixture.token, "nonce-1", serverMillis() + 60_000, "77 host thread");
    assertThat(reply(fixture.store.abandon(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.RELEASED);
    assertThat(fixture.admin().exists(key, LockKeys.queueKey(key), LockKeys.ticketsKey(key))).isZero();
  }

  @Test
  void abandonOfAnotherTokensLockLeavesTheQueueAndLeavesTheLock() throws Exception {
    String key = fixture.key("abandoned while held");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(LEASE_MILLIS));
    queue(key, 1, fixture.token, "nonce-1", serverMillis() + 60_000, "77 host thread");
    assertThat(reply(fixture.store.abandon(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.TAKEN);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().exists(LockKeys.queueKey(key), LockKeys.ticketsKey(key))).isZero();
  }

  // ---- renew.lua

  @Test
  void renewOfAnOwnedLeaseResetsItToTheFullLease() throws Exception {
    String key = fixture.key("owned");
    fixture.admin().set(key, value(fixture.token, 2), px(SHORT_TTL_MILLIS));
    long[] left = reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS));
    assertThat(left[0]).as("what was left of the lease").isBetween(SHORT_TTL_MILLIS - SLACK_MILLIS, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.token, 2));
    assertThat(fixture.admin().pttl(key)).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
  }

  @Test
  void renewNeverShortensALeaseThatExtendPushedPastTheFullLease() throws Exception {
    String key = fixture.key("extended");
    fixture.admin().set(key, value(fixture.token, 2), px(LEASE_MILLIS));
    long extended = reply(fixture.store.extend(key, fixture.token, LEASE_MILLIS));
    assertThat(extended).isGreaterThan(LEASE_MILLIS + SLACK_MILLIS);
    assertThat(reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS))[0])
        .isBetween(extended - SLACK_MILLIS, extended);
    assertThat(fixture.admin().pttl(key)).isBetween(extended - SLACK_MILLIS, extended);
  }

  @Test
  void renewOfALeaseWhoseKeyIsGoneReportsItLostAndCreatesNothing() throws Exception {
    String key = fixture.key("gone");
    assertThat(reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS))).containsExactly(-1);
    assertThat(fixture.admin().exists(key)).isZero();
  }

  @Test
  void renewOfALeaseAnotherTokenHoldsReportsItLostAndLeavesTheKey() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 2), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS))).containsExactly(-1);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 2));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void renewOfAValueThatOnlyStartsWithTheCallersTokenReportsItLostAndLeavesTheKey() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 2), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS))).containsExactly(-1);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 2));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  /**
   * More leases than one renew.lua call takes, so the store splits them into batches. Owned and lost leases
   * alternate aperiodically (Thue-Morse), and each lease has its own token, so an answer put at the wrong index, a
   * batch offset by a few keys or a token paired with the wrong key all give a wrong answer somewhere.
   */
  @Test
  void renewOfMoreLeasesThanOneBatchAnswersForEachInOrder() throws Exception {
    int count = 2 * LettuceLockStore.RENEW_BATCH + LettuceLockStore.RENEW_BATCH / 2; // 250
    List<Lease> leases = new ArrayList<>(count);
    boolean[] owned = new boolean[count];
    for (int i = 0; i < count; i++) {
      Lease lease = lease(fixture.key("batch-" + i), fixture.token + "-" + i);
      leases.add(lease);
      owned[i] = Integer.bitCount(i) % 2 == 0;
      if (owned[i]) {
        fixture.admin().set(lease.key, value(lease.token, i + 1), px(SHORT_TTL_MILLIS));
      } else if (i % 2 == 0) {
        fixture.admin().set(lease.key, value(fixture.otherToken, i + 1), px(SHORT_TTL_MILLIS));
      } // else: the key is gone
    }

    long[] left = reply(fixture.store.renew(leases, LEASE_MILLIS));
    boolean[] renewed = new boolean[left.length];
    for (int i = 0; i < left.length; i++) {
      renewed[i] = left[i] >= 0;
    }
    assertThat(renewed).containsExactly(owned);

    for (int i = 0; i < count; i++) {
      String key = leases.get(i).key;
      if (owned[i]) {
        assertThat(fixture.admin().pttl(key)).as("renewed %s", key).isGreaterThan(SHORT_TTL_MILLIS);
      } else if (i % 2 == 0) {
        assertThat(fixture.admin().get(key)).as("holder of %s", key).isEqualTo(value(fixture.otherToken, i + 1));
        assertThat(fixture.admin().pttl(key)).as("untouched %s", key).isBetween(1L, SHORT_TTL_MILLIS);
      } else {
        assertThat(fixture.admin().exists(key)).as("still gone: %s", key).isZero();
      }
    }
  }

  // ---- extend.lua

  @Test
  void extendOfAnOwnedLeaseAddsToTheRemainingTime() throws Exception {
    String key = fixture.key("owned");
    fixture.admin().set(key, value(fixture.token, 6), px(SHORT_TTL_MILLIS));
    long extended = reply(fixture.store.extend(key, fixture.token, 20_000));
    assertThat(extended).isBetween(SHORT_TTL_MILLIS + 20_000 - SLACK_MILLIS, SHORT_TTL_MILLIS + 20_000);
    assertThat(fixture.admin().pttl(key)).isBetween(extended - SLACK_MILLIS, extended);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.token, 6));
  }

  @Test
  void extendOfAnOwnedKeyWithoutExpiryGivesItTheAddedTime() throws Exception {
    String key = fixture.key("persisted");
    fixture.admin().set(key, value(fixture.token, 6));
    assertThat(reply(fixture.store.extend(key, fixture.token, 20_000))).isEqualTo(20_000L);
    assertThat(fixture.admin().pttl(key)).isBetween(20_000 - SLACK_MILLIS, 20_000L);
  }

  @Test
  void extendOfAKeyAnotherTokenHoldsReturnsMinusOneAndChangesNothing() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 6), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.extend(key, fixture.token, 20_000))).isEqualTo(-1L);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 6));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void extendOfAValueThatOnlyStartsWithTheCallersTokenReturnsMinusOneAndChangesNothing() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 6), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.extend(key, fixture.token, 20_000))).isEqualTo(-1L);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 6));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void extendOfAGoneKeyReturnsMinusOneAndCreatesNothing() throws Exception {
    String key = fixture.key("gone");
    assertThat(reply(fixture.store.extend(key, fixture.token, 20_000))).isEqualTo(-1L);
    assertThat(fixture.admin().exists(key)).isZero();
  }
}
