package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.HEARTBEAT_MILLIS;
import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.SLACK_MILLIS;
import static io.github.redismutex.ScriptFixture.channel;
import static io.github.redismutex.ScriptFixture.queue;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.state;
import static io.github.redismutex.ScriptFixture.value;
import static io.lettuce.core.SetArgs.Builder.px;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.ScriptFixture.Heard;
import io.github.redismutex.support.RedisExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * condition-await.lua, condition-signal.lua and condition-leave.lua: queueing a waiter while owning the lock, waking
 * the oldest live waiters, heartbeats and leaving.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class ConditionScriptsIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- condition-*.lua

  @Test
  void conditionAwaitByTheOwnerQueuesTheWaiterAtTheTailWithAWaitingStateForOneHeartbeat() throws Exception {
    String key = fixture.key("awaited on");
    fixture.admin().set(key, value(fixture.token, 3), px(SHORT_TTL_MILLIS));
    queueWaiting(key, "older");
    fixture.admin().rpush(queue(key), "dead"); // a waiter without a state key stays where it is
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "newer", HEARTBEAT_MILLIS))).isTrue();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("older", "dead", "newer");
    assertThat(fixture.admin().get(state(key, "newer"))).isEqualTo("waiting");
    assertThat(fixture.admin().pttl(state(key, "newer"))).isBetween(HEARTBEAT_MILLIS - SLACK_MILLIS, HEARTBEAT_MILLIS);
    assertThat(fixture.admin().get(state(key, "older"))).as("others untouched").isEqualTo("waiting");
    assertThat(fixture.admin().exists(state(key, "dead"))).isZero();
    assertThat(fixture.admin().get(key)).as("lock untouched").isEqualTo(value(fixture.token, 3));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void conditionAwaitOfTheFirstWaiterCreatesTheQueue() throws Exception {
    String key = fixture.key("first awaited");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "first", HEARTBEAT_MILLIS))).isTrue();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("first");
    assertThat(fixture.admin().get(state(key, "first"))).isEqualTo("waiting");
  }

  @Test
  void conditionAwaitWhileAnotherTokenHoldsReturnsFalseAndChangesNothing() throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    queueWaiting(key, "older");
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "newer", HEARTBEAT_MILLIS)))
        .isFalse();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("older");
    assertThat(fixture.admin().exists(state(key, "newer"))).isZero();
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
    assertThat(fixture.admin().pttl(key)).isBetween(1L, SHORT_TTL_MILLIS);
  }

  @Test
  void conditionAwaitAfterTheLockKeyIsGoneReturnsFalseAndCreatesNothing() throws Exception {
    String key = fixture.key("gone");
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "newer", HEARTBEAT_MILLIS)))
        .isFalse();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).isEmpty();
  }

  @Test
  void conditionAwaitOfAValueThatOnlyStartsWithTheCallersTokenReturnsFalseAndCreatesNothing() throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 3), px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "newer", HEARTBEAT_MILLIS)))
        .isFalse();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).containsExactly(key);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 3));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalWhileAnotherTokenHoldsReturnsMinusOneAndLeavesTheQueue(boolean all) throws Exception {
    String key = fixture.key("taken");
    fixture.admin().set(key, value(fixture.otherToken, 3), px(SHORT_TTL_MILLIS));
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.otherToken, 3));
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalAfterTheLockKeyIsGoneReturnsMinusOneAndLeavesTheQueue(boolean all) throws Exception {
    String key = fixture.key("gone");
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(fixture.admin().exists(key)).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalOfAValueThatOnlyStartsWithTheCallersTokenReturnsMinusOneAndLeavesTheQueue(boolean all)
      throws Exception {
    String key = fixture.key("prefix");
    fixture.admin().set(key, value(fixture.longerToken, 3), px(SHORT_TTL_MILLIS));
    assertSignalRefusedAndQueueUntouched(key, all);
    assertThat(fixture.admin().get(key)).isEqualTo(value(fixture.longerToken, 3));
  }

  @Test
  void conditionSignalOneWakesTheOldestWaiterKeepingItsHeartbeatAndLeavesTheLaterOnesQueued() throws Exception {
    String key = fixture.key("signalled");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    queueWaiting(key, "first", "second", "third");
    BlockingQueue<Heard> heard = fixture.listenTo(channel(key, "first"), channel(key, "second"), channel(key, "third"));

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);

    assertThat(fixture.heardBeforeMarker(heard)).containsExactly(new Heard(channel(key, "first"), "signalled"));
    assertThat(fixture.admin().get(state(key, "first"))).isEqualTo("signalled");
    assertThat(fixture.admin().pttl(state(key, "first"))).as("heartbeat kept").isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("second", "third");
    assertThat(fixture.admin().get(state(key, "second"))).isEqualTo("waiting");
    assertThat(fixture.admin().get(state(key, "third"))).isEqualTo("waiting");
  }

  @Test
  void conditionSignalOneTwiceWakesTheWaitersInTheOrderTheyCame() throws Exception {
    String key = fixture.key("in order");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    for (String waiter : List.of("first", "second", "third")) {
      assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), waiter, HEARTBEAT_MILLIS)))
          .isTrue();
    }
    BlockingQueue<Heard> heard = fixture.listenTo(channel(key, "first"), channel(key, "second"), channel(key, "third"));

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);
    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);

    assertThat(fixture.heardBeforeMarker(heard))
        .containsExactly(
            new Heard(channel(key, "first"), "signalled"), new Heard(channel(key, "second"), "signalled"));
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("third");
    assertThat(fixture.admin().get(state(key, "third"))).isEqualTo("waiting");
  }

  @Test
  void conditionSignalOneDropsDeadWaitersAtTheHeadAndWakesTheNextLiveOne() throws Exception {
    String key = fixture.key("dead first");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    fixture.admin().rpush(queue(key), "dead", "also dead"); // their state keys lapsed: crashed processes
    queueWaiting(key, "live", "later");
    BlockingQueue<Heard> heard =
        fixture.listenTo(channel(key, "dead"), channel(key, "also dead"), channel(key, "live"), channel(key, "later"));

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);

    assertThat(fixture.heardBeforeMarker(heard)).containsExactly(new Heard(channel(key, "live"), "signalled"));
    assertThat(fixture.admin().get(state(key, "live"))).isEqualTo("signalled");
    assertThat(fixture.admin().pttl(state(key, "live"))).isBetween(1L, SHORT_TTL_MILLIS);
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("later");
    assertThat(fixture.admin().get(state(key, "later"))).isEqualTo("waiting");
    assertThat(fixture.admin().exists(state(key, "dead"), state(key, "also dead"))).as("not brought back").isZero();
  }

  @Test
  void conditionSignalAllWakesEveryLiveWaiterInOrderDropsTheDeadAndReturnsTheCount() throws Exception {
    String key = fixture.key("all");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    queueWaiting(key, "first");
    fixture.admin().rpush(queue(key), "dead");
    queueWaiting(key, "second");
    fixture.admin().rpush(queue(key), "also dead");
    queueWaiting(key, "third");
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), true))).isEqualTo(3L);

    assertThat(fixture.heardBeforeMarker(heard))
        .containsExactly(
            new Heard(channel(key, "first"), "signalled"),
            new Heard(channel(key, "second"), "signalled"),
            new Heard(channel(key, "third"), "signalled"));
    for (String waiter : List.of("first", "second", "third")) {
      assertThat(fixture.admin().get(state(key, waiter))).as("state of %s", waiter).isEqualTo("signalled");
      assertThat(fixture.admin().pttl(state(key, waiter)))
          .as("heartbeat of %s", waiter).isBetween(1L, SHORT_TTL_MILLIS);
    }
    assertThat(fixture.admin().exists(queue(key))).as("queue emptied").isZero();
    assertThat(fixture.admin().exists(state(key, "dead"), state(key, "also dead"))).isZero();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalWhenEveryQueuedWaiterIsDeadReturnsZeroAndEmptiesTheQueue(boolean all) throws Exception {
    String key = fixture.key("all dead");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    fixture.admin().rpush(queue(key), "dead", "also dead");
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), all))).isZero();

    assertThat(fixture.heardBeforeMarker(heard)).isEmpty();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).containsExactly(key);
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void conditionSignalOfAnEmptyQueueReturnsZeroAndIsNotRemembered(boolean all) throws Exception {
    String key = fixture.key("nobody");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();

    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), all))).isZero();

    assertThat(fixture.heardBeforeMarker(heard)).isEmpty();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).as("nothing created").containsExactly(key);
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "later", HEARTBEAT_MILLIS))).isTrue();
    assertThat(fixture.admin().get(state(key, "later"))).as("not woken by the earlier signal").isEqualTo("waiting");
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "later", HEARTBEAT_MILLIS))).isZero();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("later");
  }

  @Test
  void conditionHeartbeatOfAWaitingWaiterReturnsZeroAndRenewsItsState() throws Exception {
    String key = fixture.key("heartbeat");
    queueWaiting(key, "waiter");
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isZero();
    assertThat(fixture.admin().get(state(key, "waiter"))).isEqualTo("waiting");
    assertThat(fixture.admin().pttl(state(key, "waiter"))).isBetween(LEASE_MILLIS - SLACK_MILLIS, LEASE_MILLIS);
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).as("still queued").containsExactly("waiter");
  }

  @Test
  void conditionHeartbeatOfASignalledWaiterReturnsOneAndKeepsItsState() throws Exception {
    String key = fixture.key("heartbeat, signalled");
    fixture.admin().set(state(key, "waiter"), "signalled", px(SHORT_TTL_MILLIS)); // popped by the signal
    queueWaiting(key, "other");
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isEqualTo(1L);
    assertThat(fixture.admin().get(state(key, "waiter"))).isEqualTo("signalled");
    assertThat(fixture.admin().pttl(state(key, "waiter"))).isPositive();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("other");
  }

  @Test
  void conditionHeartbeatAfterTheStateKeyIsGoneReturnsMinusOneAndCreatesNothing() throws Exception {
    String key = fixture.key("heartbeat, lapsed");
    fixture.admin().rpush(queue(key), "waiter"); // its state key lapsed; signals skip it now
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", LEASE_MILLIS))).isEqualTo(-1L);
    assertThat(fixture.admin().exists(state(key, "waiter"))).isZero();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).as("left to the waiter to leave").containsExactly("waiter");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void conditionLeaveOfAWaitingWaiterRemovesItWhereverItIsQueuedDeletesItsStateAndReturnsZero(int position)
      throws Exception {
    String key = fixture.key("leave");
    List<String> others = new ArrayList<>(List.of("other", "another"));
    List<String> queued = new ArrayList<>(others);
    queued.add(position, "waiter");
    queueWaiting(key, queued.toArray(String[]::new));

    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", 0))).isZero();

    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactlyElementsOf(others);
    assertThat(fixture.admin().exists(state(key, "waiter"))).isZero();
    assertThat(fixture.admin().get(state(key, "other"))).isEqualTo("waiting");
    assertThat(fixture.admin().get(state(key, "another"))).isEqualTo("waiting");
  }

  @Test
  void conditionLeaveOfTheOnlyWaiterLeavesNoQueueBehind() throws Exception {
    String key = fixture.key("leave alone");
    queueWaiting(key, "waiter");
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", 0))).isZero();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).isEmpty();
  }

  @Test
  void conditionLeaveOfASignalledWaiterAlreadyPoppedReturnsOneAndDeletesItsState() throws Exception {
    String key = fixture.key("leave, signalled");
    fixture.admin().set(state(key, "waiter"), "signalled", px(SHORT_TTL_MILLIS));
    queueWaiting(key, "other");
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(1L);
    assertThat(fixture.admin().exists(state(key, "waiter"))).isZero();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("other");
    assertThat(fixture.admin().get(state(key, "other"))).isEqualTo("waiting");
  }

  @Test
  void conditionLeaveAfterARealSignalReturnsOneAndLeavesTheLaterWaitersQueued() throws Exception {
    String key = fixture.key("await, signal, leave");
    fixture.admin().set(key, value(fixture.token, 3), px(LEASE_MILLIS));
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "first", HEARTBEAT_MILLIS))).isTrue();
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "second", HEARTBEAT_MILLIS)))
        .isTrue();
    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "first", 0))).isEqualTo(1L);
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "second", 0))).isZero();
    assertThat(fixture.admin().keys(fixture.prefix + "*")).containsExactly(key);
  }

  @Test
  void conditionLeaveAfterTheStateKeyIsGoneRemovesTheIdAndReportsThatASignalMayHaveBeenLost() throws Exception {
    String key = fixture.key("leave, lapsed");
    fixture.admin().rpush(queue(key), "other", "waiter");
    fixture.admin().set(state(key, "other"), "waiting", px(SHORT_TTL_MILLIS));
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(-1L);
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("other");
    assertThat(fixture.admin().exists(state(key, "waiter"))).isZero();
  }

  // ---- helpers

  /**
   * Queues live waiters, oldest first, as condition-await.lua would, each state key with {@link
   * ScriptFixture#SHORT_TTL_MILLIS}.
   */
  private void queueWaiting(String key, String... waiterIds) {
    for (String waiterId : waiterIds) {
      fixture.admin().set(state(key, waiterId), "waiting", px(SHORT_TTL_MILLIS));
      fixture.admin().rpush(queue(key), waiterId);
    }
  }

  /** Signal by a caller that does not own the lock: refused, with the queue, states and channels left alone. */
  private void assertSignalRefusedAndQueueUntouched(String key, boolean all) throws Exception {
    queueWaiting(key, "first", "second");
    BlockingQueue<Heard> heard = fixture.listenToEveryChannel();
    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), all))).isEqualTo(-1L);
    assertThat(fixture.heardBeforeMarker(heard)).isEmpty();
    assertThat(fixture.admin().lrange(queue(key), 0, -1)).containsExactly("first", "second");
    assertThat(fixture.admin().get(state(key, "first"))).isEqualTo("waiting");
    assertThat(fixture.admin().get(state(key, "second"))).isEqualTo("waiting");
  }
}
