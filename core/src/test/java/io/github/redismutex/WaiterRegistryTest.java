package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisConnectionException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Reference-counted subscriptions and wake-ups of {@link WaiterRegistry}, against a {@link FakeSubscriber} that
 * the test drives: it says when Redis confirms, fails or re-confirms a subscription and when a message arrives.
 */
class WaiterRegistryTest {
  private final FakeSubscriber subscriber = new FakeSubscriber();
  private final WaiterRegistry registry = new WaiterRegistry(subscriber);

  WaiterRegistryTest() {
    subscriber.deliverTo(registry);
  }

  // ---- reference-counted subscriptions

  @Test
  void firstWaiterOfAChannelSubscribesAndTheSecondDoesNot() {
    registry.register(List.of("a"));
    registry.register(List.of("a"));
    assertThat(subscriber.subscribes).containsExactly("a");
    assertThat(registry.channelCount()).isEqualTo(1);
  }

  @Test
  void waiterOnSeveralChannelsSubscribesOnlyThoseNobodyWaitsOn() {
    registry.register(List.of("a"));
    registry.register(List.of("a", "b"));
    assertThat(subscriber.subscribes).containsExactly("a", "b");
  }

  @Test
  void lastWaiterOfAChannelToLeaveUnsubscribesAndNoEarlierOne() {
    Waiter first = registry.register(List.of("a"));
    Waiter second = registry.register(List.of("a"));
    registry.deregister(first);
    assertThat(subscriber.unsubscribes).isEmpty();
    registry.deregister(second);
    assertThat(subscriber.unsubscribes).containsExactly("a");
    assertThat(registry.channelCount()).isZero();
  }

  @Test
  void deregisteringTwiceIsHarmless() throws Exception {
    Waiter first = registry.register(List.of("a"));
    Waiter second = registry.register(List.of("a"));
    registry.deregister(first);
    registry.deregister(first);
    assertThat(subscriber.unsubscribes).as("the second waiter still holds the channel").isEmpty();
    registry.onMessage("a", "released");
    assertThat(second.await(0)).as("second waiter still registered").isTrue();

    registry.deregister(second);
    registry.deregister(second);
    assertThat(subscriber.unsubscribes).containsExactly("a");
  }

  @Test
  void channelTakenUpAgainAfterItsLastWaiterLeftIsSubscribedAgain() {
    registry.deregister(registry.register(List.of("a")));
    registry.register(List.of("a"));
    assertThat(subscriber.subscribes).containsExactly("a", "a");
    assertThat(subscriber.unsubscribes).containsExactly("a");
  }

  // ---- confirmations

  @Test
  void waiterIsSubscribedOnceEveryChannelIsConfirmed() {
    Waiter waiter = registry.register(List.of("a", "b"));
    subscriber.confirm("a", ConfirmationOrder.LETTUCE);
    assertThat(waiter.isSubscribed()).isFalse();
    subscriber.confirm("b", ConfirmationOrder.LETTUCE);
    assertThat(waiter.isSubscribed()).isTrue();
  }

  @Test
  void failedSubscriptionIsAskedForAgainByTheNextRegister() {
    Waiter first = registry.register(List.of("a"));
    subscriber.fail("a");
    assertThat(first.subscribed).isCompletedExceptionally();

    Waiter second = registry.register(List.of("a"));
    assertThat(subscriber.subscribes).containsExactly("a", "a");
    subscriber.confirm("a", ConfirmationOrder.LETTUCE);
    assertThat(second.isSubscribed()).isTrue();
  }

  /**
   * The first confirmation is no news: the waiter has not looked at the lock yet, and looks once it sees {@link
   * Waiter#subscribed} complete. Waking it too would cost an acquisition attempt for nothing.
   */
  @ParameterizedTest
  @EnumSource(ConfirmationOrder.class)
  void firstConfirmationOfASubscriptionWakesNobody(ConfirmationOrder order) throws Exception {
    Waiter waiter = registry.register(List.of("a"));
    subscriber.confirm("a", order);
    assertThat(waiter.isSubscribed()).isTrue();
    assertThat(waiter.await(0)).isFalse();
  }

  /** After a reconnect Lettuce subscribes again by itself; releases sent while it was down were lost. */
  @Test
  void confirmationOfAnAlreadyConfirmedChannelWakesItsWaitersOnly() throws Exception {
    Waiter onA = registry.register(List.of("a"));
    Waiter onB = registry.register(List.of("b"));
    subscriber.confirm("a", ConfirmationOrder.LETTUCE);
    subscriber.confirm("b", ConfirmationOrder.LETTUCE);
    onA.clear();
    onB.clear();

    subscriber.confirmAgainAfterReconnect("a");

    assertThat(onA.await(0)).isTrue();
    assertThat(onB.await(0)).isFalse();
  }

  // ---- wake-ups

  @Test
  void messageWakesEveryWaiterOfItsChannelAndNoOther() throws Exception {
    Waiter firstOnA = registry.register(List.of("a"));
    Waiter secondOnA = registry.register(List.of("a", "c"));
    Waiter onB = registry.register(List.of("b"));

    registry.onMessage("a", "released");

    assertThat(firstOnA.await(0)).isTrue();
    assertThat(secondOnA.await(0)).isTrue();
    assertThat(onB.await(0)).isFalse();
  }

  @Test
  void messageOnAChannelNobodyWaitsOnIsIgnored() throws Exception {
    Waiter waiter = registry.register(List.of("a"));
    registry.onMessage("nobody", "released");
    assertThat(waiter.await(0)).isFalse();
  }

  @Test
  void wakeBetweenClearAndAwaitIsNotLost() throws Exception {
    Waiter waiter = registry.register(List.of("a"));
    waiter.clear(); // before the acquisition attempt
    registry.onMessage("a", "released"); // the holder releases while the attempt is under way
    assertThat(waiter.await(0)).isTrue(); // after the failed attempt
  }

  @Test
  void clearForgetsWakesFromBeforeIt() throws Exception {
    Waiter waiter = registry.register(List.of("a"));
    registry.onMessage("a", "released");
    registry.onMessage("a", "released");
    waiter.clear();
    assertThat(waiter.await(0)).isFalse();
  }

  @Test
  void deregisteredWaiterIsNotWoken() throws Exception {
    Waiter leaving = registry.register(List.of("a"));
    registry.register(List.of("a"));
    registry.deregister(leaving);
    registry.onMessage("a", "released");
    assertThat(leaving.await(0)).isFalse();
  }

  // ---- close

  @Test
  void closeWakesEveryWaiter() throws Exception {
    Waiter onA = registry.register(List.of("a"));
    Waiter onB = registry.register(List.of("b"));
    registry.close();
    assertThat(onA.await(0)).isTrue();
    assertThat(onB.await(0)).isTrue();
    assertThat(registry.isClosed()).isTrue();
  }

  @Test
  void registerAfterCloseThrowsIllegalStateAndSubscribesNothing() {
    registry.close();
    assertThatThrownBy(() -> registry.register(List.of("a")))
        .isExactlyInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
    assertThat(subscriber.subscribes).isEmpty();
  }

  @Test
  void closeTwiceIsHarmless() {
    registry.close();
    registry.close();
    assertThat(registry.isClosed()).isTrue();
  }

  // ---- the fake

  /** The order in which a subscription's confirmation reaches the registry. */
  enum ConfirmationOrder {
    /**
     * Lettuce 6 (RESP2 and RESP3 alike): the SUBSCRIBE command's future completes, then the connection's listeners
     * hear {@code subscribed(channel)}, which {@link LettuceSubscriber} passes on to {@link
     * WaiterRegistry#onSubscribed}.
     */
    LETTUCE,
    /** The listener first, then the future. */
    LISTENER_FIRST
  }

  /**
   * Records SUBSCRIBE and UNSUBSCRIBE and leaves each subscription pending until the test confirms or fails it.
   * Like {@link LettuceSubscriber}, it delivers confirmations to the registry it was built for. Single-threaded.
   */
  private static final class FakeSubscriber implements Subscriber {
    final List<String> subscribes = new ArrayList<>();
    final List<String> unsubscribes = new ArrayList<>();
    private final Map<String, CompletableFuture<Void>> pending = new HashMap<>();
    private Subscriber.Listener registry;

    @Override
    public void deliverTo(Subscriber.Listener registry) {
      this.registry = registry;
    }

    @Override
    public CompletionStage<Void> subscribe(String channel) {
      subscribes.add(channel);
      CompletableFuture<Void> confirmation = new CompletableFuture<>();
      pending.put(channel, confirmation);
      return confirmation;
    }

    @Override
    public void unsubscribe(String channel) {
      unsubscribes.add(channel);
    }

    void confirm(String channel, ConfirmationOrder order) {
      CompletableFuture<Void> confirmation = pending.remove(channel);
      assertThat(confirmation).as("a SUBSCRIBE of %s waiting for its answer", channel).isNotNull();
      if (order == ConfirmationOrder.LETTUCE) {
        confirmation.complete(null);
        registry.onSubscribed(channel);
      } else {
        registry.onSubscribed(channel);
        confirmation.complete(null);
      }
    }

    /** Lettuce reconnected and subscribed again by itself: only the listener hears of it. */
    void confirmAgainAfterReconnect(String channel) {
      registry.onSubscribed(channel);
    }

    void fail(String channel) {
      CompletableFuture<Void> confirmation = pending.remove(channel);
      assertThat(confirmation).as("a SUBSCRIBE of %s waiting for its answer", channel).isNotNull();
      confirmation.completeExceptionally(new RedisConnectionException("Connection refused"));
    }
  }
}
