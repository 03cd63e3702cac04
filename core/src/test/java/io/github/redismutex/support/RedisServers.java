package io.github.redismutex.support;

import java.util.ArrayList;
import java.util.List;

/**
 * Starts servers of the test's own whose arguments are known only when it runs (files it made, such as TLS
 * certificates); ask {@link RedisExtension} for one as a parameter. What it starts it stops when its scope ends, as
 * for a {@link Dedicated} server, the last started first.
 */
public final class RedisServers implements AutoCloseable {
  private final List<RedisServer> started = new ArrayList<>();

  RedisServers() {}

  /** A server process on a free port, with {@code args} added to its command line. */
  public synchronized RedisServer start(String... args) {
    return keep(RedisServer.startDedicated(args));
  }

  /** {@link #start(String...)} on a given port, e.g. the TLS port of a server with {@code --port 0}. */
  public synchronized RedisServer start(int port, String... args) {
    return keep(RedisServer.startDedicated(port, args));
  }

  private RedisServer keep(RedisServer server) {
    started.add(server);
    return server;
  }

  @Override
  public synchronized void close() {
    for (int i = started.size() - 1; i >= 0; i--) {
      started.get(i).close();
    }
    started.clear();
  }
}
