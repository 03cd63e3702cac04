package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIIII_Result;

/**
 * The two threads that change one {@link Lease}'s local state: the watchdog thread, which confirms a renewal and, a
 * period later, finds the key taken; and the owner's thread, which reads the lease as {@code isLeaseValid()} and
 * {@code unlock()} do and then, its release having found the key taken too, reports the loss itself.
 *
 * <p>The races: the renewal ({@link Lease#confirmedUntil} with a later end) against the owner's loss report, so the
 * renewal may come after a loss was recorded and must not make the lease valid again; the owner's reads ({@link
 * Lease#isLost}, then {@link Lease#isValid}) against the watchdog's loss report; and the two reports ({@link
 * LeaseLossReporter#report}, which calls {@link Lease#markLost}) against each other, of which exactly one may tell
 * the {@link LeaseLostListener}. The lease starts valid for a day; the renewal moves its end a day further.
 *
 * <p>Outcome {@code r1, r2, r3, r4, r5}:
 * <ul>
 *   <li>r1, r2: what the owner read before its own report: whether the lease was lost (1), then whether it was
 *       valid (1).
 *   <li>r3: whether the owner found the lease valid right after its own report returned: 0.
 *   <li>r4: whether the lease is valid once both threads are done (renewed, and lost twice over): 0.
 *   <li>r5: how many times the listener was told of the loss: 1.
 * </ul>
 * FORBIDDEN: {@code 1, 1} in r1, r2 (a lease read as lost, then as valid), a lease valid after a loss was recorded
 * (r3 or r4 = 1: a renewal brought it back), and a listener told twice or never (r5 other than 1).
 */
@JCStressTest
@Outcome(id = "0, 1, 0, 0, 1", expect = ACCEPTABLE,
    desc = "The owner read before any loss: not lost, valid. Then lost for good, and the listener told once.")
@Outcome(id = "1, 0, 0, 0, 1", expect = ACCEPTABLE,
    desc = "The watchdog's loss came first: the owner read lost, and not valid. The listener told once.")
@Outcome(id = "0, 0, 0, 0, 1", expect = ACCEPTABLE_INTERESTING,
    desc = "The watchdog's loss came between the owner's two reads: not lost, then not valid. Listener told once.")
@Outcome(expect = FORBIDDEN,
    desc = "A lease valid after its loss was recorded (read, or brought back by a renewal), or a listener told"
        + " of the loss twice or never.")
@State
public class LeaseStateTest {
  private static final long DAY_NANOS = TimeUnit.DAYS.toNanos(1);

  private final long startNanos = System.nanoTime();
  private final Lease lease =
      new Lease("orders:42", InMemoryLocks.keyOf("orders:42"), "token-of-the-owner", 7, startNanos + DAY_NANOS);
  private final AtomicInteger told = new AtomicInteger();
  private final LeaseLossReporter losses = new LeaseLossReporter((name, fencingToken) -> told.incrementAndGet(), LockMetrics.NONE);

  @Actor
  public void watchdog() {
    lease.confirmedUntil(startNanos + 2 * DAY_NANOS); // a renewal that Redis confirmed
    losses.report(lease, "the next renewal found its key taken");
  }

  @Actor
  public void owner(IIIII_Result r) {
    r.r1 = lease.isLost() ? 1 : 0;
    r.r2 = lease.isValid() ? 1 : 0;
    losses.report(lease, "unlock found its key taken");
    r.r3 = lease.isValid() ? 1 : 0;
  }

  @Arbiter
  public void arbiter(IIIII_Result r) {
    r.r4 = lease.isValid() ? 1 : 0;
    r.r5 = told.get();
  }
}
