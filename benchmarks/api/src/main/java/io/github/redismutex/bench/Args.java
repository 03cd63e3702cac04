package io.github.redismutex.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A driver's command line: a scenario name, then {@code --name value} pairs. */
final class Args {
  final String scenario;
  private final Map<String, String> values = new HashMap<>();

  Args(String[] argv) {
    if (argv.length == 0 || argv.length % 2 == 0) {
      throw new IllegalArgumentException("usage: <scenario> --system NAME --ports P1,P2 [--name value]...; got "
          + Arrays.toString(argv));
    }
    scenario = argv[0];
    for (int i = 1; i < argv.length; i += 2) {
      if (!argv[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name, got " + argv[i]);
      }
      values.put(argv[i].substring(2), argv[i + 1]);
    }
  }

  String system() {
    return required("system");
  }

  Target target() {
    List<Integer> ports = Arrays.stream(required("ports").split(",")).map(Integer::valueOf).toList();
    return new Target(ports, Duration.ofMillis(number("lease-ms", Target.DEFAULT_LEASE.toMillis())));
  }

  long number(String name, long fallback) {
    String value = values.get(name);
    return value == null ? fallback : Long.parseLong(value);
  }

  double decimal(String name, double fallback) {
    String value = values.get(name);
    return value == null ? fallback : Double.parseDouble(value);
  }

  String text(String name, String fallback) {
    return values.getOrDefault(name, fallback);
  }

  private String required(String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }
}
