package io.github.redismutex.bench;

import java.time.Duration;
import java.util.List;

/**
 * What a system is opened against: the loopback ports of its Redis servers (one; six cluster nodes; or the
 * independent primaries of Redlock) and the lease, for systems that take one (watchdog period = lease / 3).
 */
public record Target(List<Integer> ports, Duration lease) {

  public static final Duration DEFAULT_LEASE = Duration.ofSeconds(30);

  public int firstPort() {
    return ports.get(0);
  }

  public String uri(int index) {
    return "redis://127.0.0.1:" + ports.get(index);
  }

  public String[] uris() {
    return ports.stream().map(port -> "redis://127.0.0.1:" + port).toArray(String[]::new);
  }

  public Target withLease(Duration lease) {
    return new Target(ports, lease);
  }
}
