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
 * Two threads each register a waiter on the same channels of a {@link WaiterRegistry} and deregister it: the
 * reference-counted subscriptions, first waiter subscribes, last one unsubscribes.
 *
 * <p>The race: one thread's deregistration (count to 0, UNSUBSCRIBE) against the other's registration (count up,
 * SUBSCRIBE if it was the first). If the commands left the registry in another order than the counts changed, the
 * server could end up subscribed with no waiter left (a leak), or a waiter could be left with no subscription. The
 * channels are those of {@link WakeupMode#CHANNEL}: two per waiter. Confirmations are immediate.
 *
 * <p>Outcome {@code r1, r2, r3, r4, r5}:
 * <ul>
 *   <li>r1, r2: whether each thread's waiter was subscribed (confirmed) right after registering: 1.
 *   <li>r3: channels the fake server still has subscribed afterwards: 0.
 *   <li>r4: channels the registry still tracks afterwards: 0.
 *   <li>r5: SUBSCRIBEs of a channel already subscribed plus UNSUBSCRIBEs of one that was not: 0.
 * </ul>
 * FORBIDDEN: anything but {@code 1, 1, 0, 0, 0}.
 */
@JCStressTest
@Outcome(id = "1, 1, 0, 0, 0", expect = ACCEPTABLE,
    desc = "Both waiters were subscribed; afterwards nothing is subscribed or tracked; no redundant command.")
@Outcome(expect = FORBIDDEN,
    desc = "A waiter without subscription, a leaked subscription, or commands out of reference-count order.")
@State
public class WaiterRegistryChurnTest {
  private static final List<String> CHANNELS = WakeupMode.watchedChannels(0, "redis-mutex:{orders:42}");

  private final InMemorySubscriber subscriber = new InMemorySubscriber(InMemorySubscriber.Confirmation.IMMEDIATE);
  private final WaiterRegistry registry = new WaiterRegistry(subscriber);

  public WaiterRegistryChurnTest() {
    subscriber.deliverTo(registry);
  }

  @Actor
  public void first(IIIII_Result r) {
    r.r1 = registerAndLeave();
  }

  @Actor
  public void second(IIIII_Result r) {
    r.r2 = registerAndLeave();
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    r.r3 = subscriber.subscribedCount(CHANNELS);
    r.r4 = registry.channelCount();
    r.r5 = subscriber.redundantSubscribes() + subscriber.strayUnsubscribes();
  }

  private int registerAndLeave() {
    Waiter waiter = registry.register(CHANNELS);
    int subscribed = waiter.isSubscribed() ? 1 : 0;
    registry.deregister(waiter);
    return subscribed;
  }
}
