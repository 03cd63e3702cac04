package io.github.redismutex.support;

import io.lettuce.core.AbstractRedisClient;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Shuts a test's own Lettuce client down without risking a hung test: Lettuce's own shutdown() waits unbounded. */
public final class Clients {
  private Clients() {}

  public static void shutdown(AbstractRedisClient client) {
    try {
      client.shutdownAsync(0, 1, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      System.err.println("a test's Lettuce client did not shut down cleanly: " + e);
    }
  }
}
