package io.github.redismutex.bench;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.stream.Collectors;

/**
 * C, D, M and V: threads deposit into accounts, the bank account of the demo: under the account's lock, GET its
 * balance, add one, SET it (each thread on a plain connection of its own). Afterwards the balances must add up to
 * the number of acquisitions (lost updates = acquisitions - balances), and the per-thread counts show starvation.
 * C and D have one account; M draws each acquisition's account uniformly from 10,000, V from 20.
 *
 * <p>C and V run in one JVM ({@link #runOneJvm}); D and M run {@link #runWorker} in several JVMs, which meet at a
 * barrier in Redis before each repetition, and the harness adds up their counts and reads the balances.
 */
final class DepositScenario {
  private DepositScenario() {}

  /** One account of one run: the lock of its name and its balance. */
  record Account(Lock lock, String balanceKey) {}

  /** C: 8 threads of one JVM on one account. */
  static void runOneJvm(Args args) {
    runOneJvm(args, BenchKeys.accounts(1), (int) args.number("threads", 8), Thread::new);
  }

  /** {@code threads} threads of this JVM, made by {@code threadFactory}, deposit into the accounts {@code names}. */
  static void runOneJvm(Args args, String[] names, int threads, ThreadFactory threadFactory) {
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 3);
    List<Integer> ports = args.target().ports();
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(ports)) {
      Lock[] locks = locks(system, names);
      Account[] warmup = accounts(locks, names, "warmup");
      int warmupPort = BenchKeys.portOf(ports, warmup[0].balanceKey());
      deposit(warmup, threads, threadFactory, warmupPort, args.decimal("warmup-seconds", 1));
      DepositFigures figures = new DepositFigures(reps, seconds);
      for (int rep = 0; rep < reps; rep++) {
        Account[] accounts = accounts(locks, names, "rep" + rep);
        int port = BenchKeys.portOf(ports, accounts[0].balanceKey()); // before the window: its TYPE is not counted
        long before = counter.calls();
        long[] counts = deposit(accounts, threads, threadFactory, port, seconds);
        long commands = counter.calls() - before;
        try (Resp resp = new Resp(port)) {
          figures.add(counts, BenchKeys.sum(resp, Arrays.stream(accounts).map(Account::balanceKey).toList()), commands);
        }
        Report.result("counts.rep" + rep, join(counts));
      }
      figures.figures().forEach(Report::result);
    }
  }

  /**
   * One of the JVMs of D or M: before each repetition, waits in Redis for all of them, then deposits into the
   * accounts {@code names}. The first JVM ({@code --jvm 0}) also reports the commands Redis ran in its window; the
   * other JVMs' windows start and end within a barrier poll (1 ms) of it.
   */
  static void runWorker(Args args, String[] names, int defaultThreads) {
    int threads = (int) args.number("threads", defaultThreads);
    int jvms = (int) args.number("jvms", 2);
    int reps = (int) args.number("reps", 3);
    double seconds = args.decimal("seconds", 3);
    boolean counting = args.number("jvm", 0) == 0;
    List<Integer> ports = args.target().ports();
    try (LockSystem system = Driver.open(args); CommandCounter counter = new CommandCounter(ports)) {
      Lock[] locks = locks(system, names);
      for (int rep = -1; rep < reps; rep++) { // rep -1 warms up
        String run = rep < 0 ? "warmup" : "rep" + rep;
        Account[] accounts = accounts(locks, names, run);
        int port = BenchKeys.portOf(ports, accounts[0].balanceKey()); // the barrier's node too: same hash tag
        try (Resp resp = new Resp(port)) {
          meet(resp, BenchKeys.barrier(run), jvms);
        }
        long before = counter.calls();
        double duration = rep < 0 ? args.decimal("warmup-seconds", 1) : seconds;
        long[] counts = deposit(accounts, threads, Thread::new, port, duration);
        long commands = counter.calls() - before;
        if (rep >= 0) {
          Report.result("counts.rep" + rep, join(counts));
          if (counting) {
            Report.result("commands.rep" + rep, commands);
          }
        }
      }
    }
  }

  /** Each name's lock, asked for once: 10,000 names are 10,000 lock objects, not one per acquisition. */
  private static Lock[] locks(LockSystem system, String[] names) {
    return Arrays.stream(names).map(system::lock).toArray(Lock[]::new);
  }

  private static Account[] accounts(Lock[] locks, String[] names, String run) {
    Account[] accounts = new Account[names.length];
    for (int i = 0; i < names.length; i++) {
      accounts[i] = new Account(locks[i], BenchKeys.balance(run, names[i]));
    }
    return accounts;
  }

  /** Waits, at most a minute, until {@code jvms} processes have arrived at this barrier. */
  static void meet(Resp resp, String barrier, int jvms) {
    resp.call("INCR", barrier);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (Long.parseLong(resp.string("GET", barrier)) < jvms) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the other JVMs did not reach " + barrier + " within a minute");
      }
      sleep(1);
    }
  }

  /** Runs {@code threads} depositing threads for {@code seconds}; each thread's number of acquisitions. */
  static long[] deposit(Account[] accounts, int threads, ThreadFactory threadFactory, int port, double seconds) {
    return ConnectedThreads.run("bench-depositor", threads, threadFactory, port, seconds,
        (thread, balance, end) -> depositUntil(accounts, balance, end));
  }

  private static long depositUntil(Account[] accounts, Resp balance, long end) {
    long count = 0;
    while (System.nanoTime() < end) {
      Account account = accounts.length == 1 ? accounts[0]
          : accounts[ThreadLocalRandom.current().nextInt(accounts.length)];
      account.lock().lock();
      try {
        String value = balance.string("GET", account.balanceKey());
        long next = (value == null ? 0 : Long.parseLong(value)) + 1;
        balance.call("SET", account.balanceKey(), Long.toString(next));
        count++;
      } finally {
        account.lock().unlock();
      }
    }
    return count;
  }

  static String join(long[] counts) {
    return Arrays.stream(counts).mapToObj(Long::toString).collect(Collectors.joining(","));
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
