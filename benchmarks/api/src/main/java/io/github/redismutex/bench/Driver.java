package io.github.redismutex.bench;

/**
 * The main class of every driver jar: runs one scenario against one system and prints {@code RESULT} lines. The
 * harness starts one such JVM per system and scenario, so no two systems ever share a JVM.
 */
public final class Driver {
  private Driver() {}

  public static void main(String[] argv) throws Exception {
    Args args = new Args(argv);
    try {
      switch (args.scenario) {
        case "uncontended" -> UncontendedScenario.run(args);
        case "reentry" -> ReentryScenario.run(args);
        case "deposits" -> DepositScenario.runOneJvm(args);
        case "deposits-worker" -> DepositScenario.runWorker(args, BenchKeys.accounts(1), 4);
        case "many-names-worker" ->
            DepositScenario.runWorker(args, BenchKeys.accounts((int) args.number("names", 10_000)), 16);
        case "read-write-worker" -> ReadWriteScenario.runWorker(args);
        case "virtual-threads" -> VirtualThreadsScenario.run(args);
        case "handover" -> HandOverScenario.run(args);
        case "recovery-holder" -> RecoveryScenario.hold(args);
        case "recovery-waiter" -> RecoveryScenario.await(args);
        case "scale-names" -> ScaleScenario.names(args);
        case "scale-waiters" -> ScaleScenario.waiters(args);
        case "scale-renewal" -> ScaleScenario.renewal(args);
        case "jmh" -> InProcessCosts.run(args);
        default -> throw new IllegalArgumentException("unknown scenario " + args.scenario);
      }
    } catch (UnsupportedOperationException e) {
      Report.result("unavailable", e.getMessage().replace('\n', ' '));
    }
    // Library threads that are not daemons (or a close that hangs) must not keep a finished driver alive.
    System.exit(0);
  }

  static LockSystem open(Args args) {
    return LockSystemFactory.openAny(args.system(), args.target());
  }
}
