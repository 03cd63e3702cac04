package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The local table's counting of uses, and what becomes of a lease offered for a hand-over nobody took. */
class LockTableTest {
  private final LockTable table = new LockTable(name -> "key:" + name);
  private final Lease lease = new Lease("n", "key:n", "token", 0, System.nanoTime());

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

  @Test
  void anOfferStaysWhileAnyUseRemainsForItsTaker() {
    LocalLock holder = table.use("n");
    table.use("n"); // a thread queued at the gate
    holder.offered = lease;
    assertThat(table.release(holder)).isNull();
    assertThat(holder.offered).isSameAs(lease);
  }

  @Test
  void theLastUseToEndGetsTheOfferNobodyTookToLetItGo() {
    LocalLock holder = table.use("n");
    LocalLock gaveUp = table.use("n");
    holder.offered = lease;
    table.release(holder);
    assertThat(table.release(gaveUp)).isSameAs(lease);
    assertThat(gaveUp.offered).isNull();
    assertThat(table.peek("n")).isNull();
  }
}
