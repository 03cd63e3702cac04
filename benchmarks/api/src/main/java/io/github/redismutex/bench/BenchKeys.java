package io.github.redismutex.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The keys the deposit scenarios write beside the locks: balances and barriers. All keys of one run (a warm-up or a
 * repetition) share a hash tag, so that on a cluster they sit in one slot, on one node, and one MGET reads them all.
 */
public final class BenchKeys {
  /** How many balances one MGET reads: 10,000 names in a few requests, no reply of megabytes. */
  private static final int MGET_BATCH = 1000;

  private BenchKeys() {}

  /**
   * The names of {@code count} accounts, each also the name of the lock that guards it: the one account of C and D
   * is the demo's {@code bench-account}.
   */
  public static String[] accounts(int count) {
    if (count == 1) {
      return new String[] {"bench-account"};
    }
    return IntStream.range(0, count).mapToObj(i -> "bench-account-" + i).toArray(String[]::new);
  }

  public static String balance(String run, String account) {
    return "bench:balance:{" + run + "}:" + account;
  }

  public static String barrier(String run) {
    return "bench:barrier:{" + run + "}";
  }

  /**
   * The port of the server that holds {@code key}: on a cluster, every other node (a replica too) answers MOVED; a
   * lone server or the first of Redlock's independent ones answers at once.
   */
  public static int portOf(List<Integer> ports, String key) {
    for (int port : ports) {
      try (Resp resp = new Resp(port)) {
        resp.call("TYPE", key);
        return port;
      } catch (IllegalStateException moved) {
        // not this node's slot: the next one
      }
    }
    throw new IllegalStateException("no server of " + ports + " holds " + key);
  }

  /** The sum of the balances {@code keys} (all of one run), absent ones counting 0. */
  public static long sum(Resp resp, List<String> keys) {
    long sum = 0;
    for (int from = 0; from < keys.size(); from += MGET_BATCH) {
      List<String> command = new ArrayList<>(List.of("MGET"));
      command.addAll(keys.subList(from, Math.min(keys.size(), from + MGET_BATCH)));
      for (Object value : (List<?>) resp.call(command.toArray(String[]::new))) {
        sum += value == null ? 0 : Long.parseLong(value.toString());
      }
    }
    return sum;
  }

  /** The balances of {@code accounts} in {@code run}. */
  public static List<String> balances(String run, String... accounts) {
    return Arrays.stream(accounts).map(account -> balance(run, account)).toList();
  }
}
