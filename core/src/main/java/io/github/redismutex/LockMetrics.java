package io.github.redismutex;

/**
 * What the lock algorithm tells an operator's meters ({@link MicrometerLockMetrics} when the builder was given a
 * {@code MeterRegistry}, else {@link #NONE}). Every method is cheap and never throws. Thread-safe.
 */
interface LockMetrics {
  /** How an acquisition call ended. */
  enum Outcome {
    ACQUIRED,
    TIMED_OUT, // also a try that found the lock held
    INTERRUPTED,
    FAILED // an exception other than an interrupt
  }

  /** How a lock came to a thread that had to wait for it. */
  enum HandOver {
    LOCAL, // from a thread of the same RedisLocks, without Redis
    DIRECT, // granted by the release of another process (release.lua), announced to this waiter
    REDIS // taken by an attempt after a release or an expiry
  }

  /** What ended a waiter's wait. */
  enum WakeUp {
    NOTIFICATION, // a message: a release, a hand-over, an expiry event
    RECHECK // the holder's lease ran out (or a back-off) without a message
  }

  /** An acquisition call ended after {@code waitNanos}; re-entries are not counted. */
  void acquisition(String name, Outcome outcome, long waitNanos);

  void handOver(String name, HandOver how);

  /** A hold ended (its outermost unlock) after {@code holdNanos}. */
  void held(String name, long holdNanos);

  /** A thread started ({@code +1}) or stopped ({@code -1}) waiting for a lock. */
  void waiting(int delta);

  /** One acquisition in progress, for {@link #measured}. */
  @FunctionalInterface
  interface Acquiring {
    boolean acquire() throws InterruptedException;
  }

  /** Runs {@code acquiring}, counted as waiting while it runs, then timed by its outcome. */
  default boolean measured(String name, Acquiring acquiring) throws InterruptedException {
    long start = System.nanoTime();
    waiting(1);
    Outcome outcome = Outcome.FAILED;
    try {
      boolean acquired = acquiring.acquire();
      outcome = acquired ? Outcome.ACQUIRED : Outcome.TIMED_OUT;
      return acquired;
    } catch (InterruptedException e) {
      outcome = Outcome.INTERRUPTED;
      throw e;
    } finally {
      waiting(-1);
      acquisition(name, outcome, System.nanoTime() - start);
    }
  }

  void leasesRenewed(int count);

  void leaseLost(String name);

  void wokenBy(WakeUp cause);

  /** Redis could not be reached, or failed, during {@code operation} ("acquire", "release", "renew"). */
  void redisError(String operation);

  /** Meters that measure nothing: the default. */
  LockMetrics NONE = new LockMetrics() {
    @Override
    public void acquisition(String name, Outcome outcome, long waitNanos) {}

    @Override
    public void handOver(String name, HandOver how) {}

    @Override
    public void held(String name, long holdNanos) {}

    @Override
    public void waiting(int delta) {}

    @Override
    public void leasesRenewed(int count) {}

    @Override
    public void leaseLost(String name) {}

    @Override
    public void wokenBy(WakeUp cause) {}

    @Override
    public void redisError(String operation) {}
  };
}
