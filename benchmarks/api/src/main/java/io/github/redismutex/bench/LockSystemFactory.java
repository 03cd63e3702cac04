package io.github.redismutex.bench;

import java.util.List;
import java.util.ServiceLoader;

/** Opens the systems of one driver jar; found through {@link ServiceLoader}, one per driver. */
public interface LockSystemFactory {

  /** The system names this driver opens, e.g. "redisson". */
  List<String> systems();

  /**
   * Opens {@code system} against {@code target}.
   *
   * @throws UnsupportedOperationException if this build of the library has no such mode (reported as "not available")
   */
  LockSystem open(String system, Target target);

  static LockSystem openAny(String system, Target target) {
    for (LockSystemFactory factory : ServiceLoader.load(LockSystemFactory.class)) {
      if (factory.systems().contains(system)) {
        return factory.open(system, target);
      }
    }
    throw new IllegalArgumentException("no driver on the class path opens system " + system);
  }
}
