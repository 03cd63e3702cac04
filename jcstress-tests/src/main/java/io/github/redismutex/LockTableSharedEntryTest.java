package io.github.redismutex;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * Two threads use one name of a {@link LockTable} at once and end their uses: the reference count that decides when
 * an entry leaves the table.
 *
 * <p>The race: one thread's last {@link LockTable#release} (count to 0, entry removed) against the other's {@link
 * LockTable#use} (entry found or created, count up). If removal and increment were not one step, a thread could keep
 * using an entry that has left the table while another thread creates a second one for the same name: two local
 * gates, no local mutual exclusion. The first actor holds two uses at once (a hold plus a call in progress), the
 * second one.
 *
 * <p>Each thread publishes its entry in a volatile field while its use is live and reads the other's; a non-null
 * read proves both uses were live at that moment, so both must have the same entry. Outcome {@code r1, r2, r3, r4}:
 * <ul>
 *   <li>r1, r2: per thread, 0 = the other's use was not live when it looked; 1 = it was, with the same entry; 2 = it
 *       was, with a different entry. Plus 10 when the table's entry for the name was not the thread's own during its
 *       use, or its two nested uses got different entries.
 *   <li>r3: entries left in the table afterwards: 0.
 *   <li>r4: uses still counted on the entries afterwards: 0.
 * </ul>
 * FORBIDDEN: everything else: two live entries for one name, an entry dropped while in use, or a count or entry that
 * outlives the uses. ({@code 0, 0}, two live uses that both missed each other, is impossible for volatiles.)
 */
@JCStressTest
@Outcome(id = {"1, 0, 0, 0", "0, 1, 0, 0"}, expect = ACCEPTABLE,
    desc = "The uses did not overlap when one thread looked; each saw its own entry in the table; table empty.")
@Outcome(id = "1, 1, 0, 0", expect = ACCEPTABLE,
    desc = "The uses overlapped and both threads had the same entry; table empty.")
@Outcome(expect = FORBIDDEN, desc = "Two entries for one name, an entry dropped while in use, or a leak.")
@State
public class LockTableSharedEntryTest {
  private static final String NAME = "orders:42";

  private final LockTable table = new LockTable(name -> "key:" + name);
  private volatile LocalLock live1; // non-null exactly while the first actor's uses are live
  private volatile LocalLock live2; // likewise for the second actor
  private LocalLock used1;
  private LocalLock used2;

  @Actor
  public void twoNestedUses(IIII_Result r) {
    LocalLock outer = table.use(NAME);
    LocalLock inner = table.use(NAME);
    live1 = outer;
    int seen = compare(outer, live2);
    if (inner != outer || table.peek(NAME) != outer) {
      seen += 10;
    }
    live1 = null;
    table.release(inner);
    table.release(outer);
    used1 = outer;
    r.r1 = seen;
  }

  @Actor
  public void oneUse(IIII_Result r) {
    LocalLock mine = table.use(NAME);
    live2 = mine;
    int seen = compare(mine, live1);
    if (table.peek(NAME) != mine) {
      seen += 10;
    }
    live2 = null;
    table.release(mine);
    used2 = mine;
    r.r2 = seen;
  }

  @Arbiter
  public void arbiter(IIII_Result r) {
    r.r3 = table.size();
    r.r4 = used1.users + (used2 != used1 ? used2.users : 0);
  }

  private static int compare(LocalLock mine, LocalLock othersLive) {
    if (othersLive == null) {
      return 0;
    }
    return othersLive == mine ? 1 : 2;
  }
}
