package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The local table's counting of uses, and what becomes of a lease offered for a hand-over nobody took. */
class LockTableTest {
  private final LockTable table = new LockTable(name -> "key:" + name);
  private final Lease lease = new Lease("n", "key:n", "token", 0, System.nanoTime() + TimeUnit.HOURS.toNanos(1));

  @Test
  void usesOfOneNameShareOneEntryThatLeavesWithTheLastUse() {
    LocalLock first = table.use("n");
    LocalLock second = table.use("n");
    assertThat(second).isSameAs(first);
    table.release(first);
    assertThat(table.peek("n")).isSameAs(first);
    table.release(second);
    assertThat(table.peek("n")).isNull();
    assertThat(table.size()).isZero();
  }

  /**
   * The holder of {@code name}'s gate, with the lease, and a thread queued at the gate behind it (its use counted):
   * the holder's outermost release then offers the lease.
   */
  private LocalLock holderWithAThreadQueued(Thread queued, LocalLock[] queuedEntry) throws Exception {
    LocalLock holder = table.use("n");
    assertThat(holder.enter(WaitPolicy.UNINTERRUPTIBLE, Deadline.never())).isTrue();
    holder.hold(lease);
    queuedEntry[0] = table.use("n");
    queued.start();
    await().until(() -> queued.getState() == Thread.State.WAITING);
    return holder;
  }

  @Test
  void anOfferStaysWhileAnyUseRemainsForItsTaker() throws Exception {
    LocalLock[] entry = new LocalLock[1];
    AtomicReference<Lease> taken = new AtomicReference<>();
    Thread next = new Thread(() -> {
      try {
        entry[0].enter(WaitPolicy.UNINTERRUPTIBLE, Deadline.never());
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
      taken.set(entry[0].takeOffer());
      entry[0].exit();
    });
    LocalLock holder = holderWithAThreadQueued(next, entry);
    assertThat(holder.offerOrGiveUp(8)).as("offered, not given up").isNull();
    holder.exit();
    assertThat(table.release(holder)).as("the queued thread still uses the entry").isNull();
    next.join(5_000);
    assertThat(taken.get()).isSameAs(lease);
    assertThat(table.release(entry[0])).isNull();
  }

  @Test
  void theLastUseToEndGetsTheOfferNobodyTookToLetItGo() throws Exception {
    LocalLock[] entry = new LocalLock[1];
    Thread gaveUp = new Thread(() -> {
      try {
        entry[0].enter(WaitPolicy.INTERRUPTIBLE, Deadline.never());
      } catch (InterruptedException e) {
        // gave up waiting, and takes nothing
      }
    });
    LocalLock holder = holderWithAThreadQueued(gaveUp, entry);
    assertThat(holder.offerOrGiveUp(8)).isNull();
    gaveUp.interrupt();
    gaveUp.join(5_000);
    holder.exit();
    table.release(holder);
    assertThat(table.release(entry[0])).isSameAs(lease);
    assertThat(table.peek("n")).isNull();
  }

  @Test
  void withoutAThreadAtTheGateTheLeaseIsGivenUpNotOffered() throws Exception {
    LocalLock holder = table.use("n");
    assertThat(holder.enter(WaitPolicy.UNINTERRUPTIBLE, Deadline.never())).isTrue();
    holder.hold(lease);
    assertThat(holder.offerOrGiveUp(8)).isSameAs(lease);
    holder.exit();
    assertThat(table.release(holder)).isNull();
  }
}
