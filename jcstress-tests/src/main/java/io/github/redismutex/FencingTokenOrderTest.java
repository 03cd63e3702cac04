package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * Two simulated processes (two {@link MutexSync}s, as in {@link MutexSyncCrossProcessTest}) each lock one fresh name
 * once on one shared store and read their fencing token while they hold it: the tokens must follow the order in
 * which the lock was held, because acquire.lua hands out the next token of the name's counter in the same step as it
 * takes the key.
 *
 * <p>The race: the two acquisitions (acquire.lua's INCR of the name's fence counter and SET of the key) and the
 * hand-over between them (release.lua, its announcement, the loser's next attempt). Inside the critical section each
 * actor swaps its token into a shared "last token seen" and counts it as out of order unless it is greater than the
 * token it replaced; since only the lock orders those swaps, that is the order of acquisition.
 *
 * <p>Outcome {@code r1, r2, r3}:
 * <ul>
 *   <li>r1, r2: the fencing token each process held the lock with: the name is fresh, so the first holder's is 1
 *       and the second's 2; -1 = gave up after 10 s although the holder let go within microseconds.
 *   <li>r3: how many tokens were not greater than the one seen before them in the critical section: 0.
 * </ul>
 * FORBIDDEN: anything but {@code 1, 2, 0} and {@code 2, 1, 0}: equal tokens, a later holder with a smaller token, a
 * counter that did not start at 1 or skipped, or a failed acquisition.
 */
@JCStressTest
@Outcome(id = "1, 2, 0", expect = ACCEPTABLE, desc = "Alpha held the lock first, with token 1; beta then with 2.")
@Outcome(id = "2, 1, 0", expect = ACCEPTABLE, desc = "Beta held the lock first, with token 1; alpha then with 2.")
@Outcome(expect = FORBIDDEN,
    desc = "Tokens equal, out of acquisition order, not 1 and 2, or an acquisition that timed out.")
@State
public class FencingTokenOrderTest {
  private static final InMemoryLockStore STORE = InMemoryLockStore.withoutKeyspaceNotifications();
  private static final InMemoryLocks ALPHA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "fencing-alpha");
  private static final InMemoryLocks BETA = new InMemoryLocks(STORE, WakeupMode.CHANNEL, "fencing-beta");
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final AtomicLong NAMES = new AtomicLong();

  private final String name = "fencing:" + NAMES.incrementAndGet();
  private final AtomicLong lastSeen = new AtomicLong(); // tokens start at 1
  private final AtomicInteger outOfOrder = new AtomicInteger();

  @Actor
  public void alpha(III_Result r) {
    r.r1 = (int) holdOnce(ALPHA);
  }

  @Actor
  public void beta(III_Result r) {
    r.r2 = (int) holdOnce(BETA);
  }

  @Arbiter
  public void arbiter(III_Result r) {
    r.r3 = outOfOrder.get();
  }

  private long holdOnce(InMemoryLocks locks) {
    if (!locks.tryLock(name, TIMEOUT)) {
      return -1;
    }
    long token = locks.fencingToken(name);
    if (lastSeen.getAndSet(token) >= token) {
      outOfOrder.incrementAndGet();
    }
    locks.unlock(name);
    return token;
  }
}
