package io.github.redismutex.history;

import io.github.redismutex.LeaseLostListener;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The lease-lost listener of a workload's {@code RedisLocks}: remembers which holds (name and fencing token) were
 * reported lost, so a critical section can tell at its exit whether the listener fired during it.
 */
public final class LeaseLosses implements LeaseLostListener {
  private final Set<String> lost = ConcurrentHashMap.newKeySet();

  @Override
  public void leaseLost(String name, long fencingToken) {
    lost.add(name + "\n" + fencingToken);
  }

  boolean wasLost(String name, long fencingToken) {
    return lost.contains(name + "\n" + fencingToken);
  }

  public int count() {
    return lost.size();
  }
}
