package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.List;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * One thread registers a waiter and stays; another registers a waiter on the same channels of a {@link
 * WaiterRegistry} and leaves. Whatever the order, the waiter that stays must end up with a live, confirmed
 * subscription to every channel: no missing subscription.
 *
 * <p>The race: the leaving thread's deregistration (UNSUBSCRIBE if it believes itself the last) against the staying
 * thread's registration (SUBSCRIBE if it believes itself the first, else joining the pending confirmation). The
 * confirmations are held back until the arbiter releases them, so the staying waiter may join a subscription whose
 * SUBSCRIBE is still on its way, or one the other thread is just dropping. The channels are those of {@link
 * WakeupMode#CHANNEL}: two per waiter.
 *
 * <p>Outcome {@code r1, r2, r3, r4, r5}, all read by the arbiter after it confirmed the pending SUBSCRIBEs:
 * <ul>
 *   <li>r1: whether the staying waiter's subscription is confirmed: 1.
 *   <li>r2: channels the fake server has subscribed: 2.
 *   <li>r3: channels the registry tracks: 2.
 *   <li>r4: SUBSCRIBEs of a channel already subscribed plus UNSUBSCRIBEs of one that was not: 0.
 *   <li>r5: of the two channels, on how many a message published now wakes the staying waiter: 2.
 * </ul>
 * FORBIDDEN: anything but {@code 1, 2, 2, 0, 2}: a waiter whose subscription was dropped under it (it would miss
 * releases and only wake when the holder's lease runs out), or a confirmation it waits for in vain.
 */
@JCStressTest
@Outcome(id = "1, 2, 2, 0, 2", expect = ACCEPTABLE,
    desc = "The staying waiter is subscribed and confirmed on both channels, and hears messages on both.")
@Outcome(expect = FORBIDDEN, desc = "The staying waiter lost its subscription or its confirmation.")
@State
public class WaiterRegistryHandOverTest {
  private static final List<String> CHANNELS = WakeupMode.watchedChannels(0, "redis-mutex:{orders:42}");

  private final InMemorySubscriber subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.ON_DEMAND);
  private final WaiterRegistry registry = new WaiterRegistry(subscriber);
  private Waiter staying;

  public WaiterRegistryHandOverTest() {
    subscriber.deliverTo(registry);
  }

  @Actor
  public void stay() {
    staying = registry.register(CHANNELS);
  }

  @Actor
  public void leave() {
    registry.deregister(registry.register(CHANNELS));
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    subscriber.confirmPending();
    r.r1 = staying.isSubscribed() ? 1 : 0;
    r.r2 = subscriber.subscribedCount(CHANNELS);
    r.r3 = registry.channelCount();
    r.r4 = subscriber.redundantSubscribes() + subscriber.strayUnsubscribes();
    int woken = 0;
    for (String channel : CHANNELS) {
      staying.clear();
      subscriber.publish(channel, "released");
      woken += wasWoken(staying) ? 1 : 0;
    }
    r.r5 = woken;
  }

  private static boolean wasWoken(Waiter waiter) {
    try {
      return waiter.await(0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("arbiter interrupted", e);
    }
  }
}
