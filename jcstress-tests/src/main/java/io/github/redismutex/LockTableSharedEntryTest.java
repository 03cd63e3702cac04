package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * One thread ends the last use of a name in a {@link LockTable} while another thread starts a use of the same name:
 * the reference count that decides when an entry leaves the table.
 *
 * <p>The race: {@link LockTable#release} (count 1 to 0, entry removed) against {@link LockTable#use} (entry found or
 * created, count up). If "count drops to zero" and "entry removed" were not one step with the increment, the new
 * use could get the old entry just as it leaves the table; a third thread would then create a second entry for the
 * name, with a second gate: two threads of one process contending in Redis, hold counts split between entries.
 *
 * <p>The state starts with the name in use once (a thread holding the lock). Outcome {@code r1, r2, r3}:
 * <ul>
 *   <li>r1: whether the new use got the entry that was there (1: the use came first and shared it) or a fresh one
 *       (0: the release came first and removed it).
 *   <li>r2: whether, once both are done, the table's entry for the name is the one the new use holds, counting
 *       exactly that one use: 1.
 *   <li>r3: entries left once the new use ended too: 0.
 * </ul>
 * FORBIDDEN: r2 = 0 (the new use holds an entry that left the table, or one with a wrong count) or r3 &gt; 0 (an
 * entry outlived its last use).
 */
@JCStressTest
@Outcome(id = "1, 1, 0", expect = ACCEPTABLE,
    desc = "The use came first: it shared the entry, which stayed for it when the old use ended.")
@Outcome(id = "0, 1, 0", expect = ACCEPTABLE,
    desc = "The release came first: the entry left, and the use made a fresh one.")
@Outcome(expect = FORBIDDEN, desc = "An entry in use left the table, had a wrong count, or outlived its uses.")
@State
public class LockTableSharedEntryTest {
  private static final String NAME = "orders:42";

  private final LockTable table = new LockTable(name -> "key:" + name);
  private final LocalLock old = table.use(NAME);
  private LocalLock fresh;

  @Actor
  public void lastUseEnds() {
    table.release(old);
  }

  @Actor
  public void newUse(III_Result r) {
    fresh = table.use(NAME);
    r.r1 = fresh == old ? 1 : 0;
  }

  @Arbiter
  public void arbiter(III_Result r) {
    r.r2 = table.peek(NAME) == fresh && fresh.users == 1 ? 1 : 0;
    table.release(fresh);
    r.r3 = table.size();
  }
}
