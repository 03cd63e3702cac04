package io.github.redismutex;

/** A lock of {@link MutexSync} as its conditions see it ({@link HeldLock}). Immutable. */
record MutexHold(MutexSync sync, String name, String key) implements HeldLock {
  @Override
  public Lease lease(String what) {
    return sync.heldLease(name, what);
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
