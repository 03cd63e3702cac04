package io.github.redismutex;

/** A lock of {@link MutexSync} and {@link HeldLeases} as its conditions see it ({@link HeldLock}). Immutable. */
record MutexHold(MutexSync sync, HeldLeases leases, String name, String key) implements HeldLock {
  @Override
  public Lease lease(String what) {
    return leases.of(name, what);
  }

  @Override
  public int releaseAll() {
    return sync.releaseAllHolds(name);
  }

  @Override
  public void reacquire(int holds) {
    sync.reacquire(name, holds);
  }
}
