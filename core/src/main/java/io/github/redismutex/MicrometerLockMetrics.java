package io.github.redismutex;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * {@link LockMetrics} as Micrometer meters, all named {@code redis.mutex.*}; the only class that touches Micrometer,
 * which is an optional dependency: it is loaded only when {@link RedisLocksBuilder#meterRegistry} was called.
 *
 * <p>Meters tagged by lock carry the tag {@code lock} = the lock's name for the first {@value #MAX_LOCK_NAMES}
 * distinct names this instance meets, and {@code lock} = {@value #OTHER} for all the others, so that a service with
 * a name per entity does not grow a time series per entity. Meters of one name are looked up once and kept, so
 * recording costs a map lookup and the meter's own update. Thread-safe.
 */
final class MicrometerLockMetrics implements LockMetrics {
  /** How many distinct lock names get a tag of their own. */
  static final int MAX_LOCK_NAMES = 100;
  static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Map<String, PerLock> byName = new ConcurrentHashMap<>();
  private final AtomicInteger namesTagged = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Counter renewed;
  private final Map<WakeUp, Counter> wakeUps;
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();

  /** The meters of one lock tag. */
  private final class PerLock {
    final Map<Outcome, Counter> acquisitions;
    final Map<HandOver, Counter> handOvers;
    final Timer waits;
    final Timer holds;
    final Counter lost;

    PerLock(String tag) {
      acquisitions = counters(Outcome.values(), outcome -> Counter.builder("redis.mutex.acquisitions").tag("lock", tag)
          .tag("outcome", lowerCase(outcome))
          .description("acquisition calls, by how they ended (re-entries not counted)"));
      handOvers = counters(HandOver.values(), how -> Counter.builder("redis.mutex.handovers").tag("lock", tag)
          .tag("kind", lowerCase(how))
          .description("locks that came to a waiting thread: local, direct (granted by a release), redis"));
      waits = Timer.builder("redis.mutex.wait").tag("lock", tag)
          .description("time from an acquisition call to its end").register(registry);
      holds = Timer.builder("redis.mutex.hold").tag("lock", tag)
          .description("time a lock was held, from acquisition to the outermost unlock").register(registry);
      lost = Counter.builder("redis.mutex.leases.lost").tag("lock", tag)
          .description("leases lost while held").register(registry);
    }
  }

  MicrometerLockMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.renewed = Counter.builder("redis.mutex.leases.renewed")
        .description("leases renewed by the watchdog").register(registry);
    Gauge.builder("redis.mutex.waiters", waiting, AtomicInteger::get)
        .description("threads waiting for a lock now").register(registry);
    this.wakeUps = counters(WakeUp.values(), cause -> Counter.builder("redis.mutex.wakeups")
        .tag("cause", lowerCase(cause))
        .description("waits ended by a message (notification) or by the lease re-check (recheck)"));
  }

  /** One counter per value of an enum, registered now. */
  private <E extends Enum<E>> Map<E, Counter> counters(E[] values, Function<E, Counter.Builder> builder) {
    Map<E, Counter> counters = new HashMap<>();
    for (E value : values) {
      counters.put(value, builder.apply(value).register(registry));
    }
    return Map.copyOf(counters);
  }

  private static <E extends Enum<E>> Counter counter(Map<E, Counter> counters, E value) {
    Counter counter = counters.get(value);
    if (counter == null) { // counters() made one for every value
      throw new IllegalStateException("no counter for " + value);
    }
    return counter;
  }

  private static String lowerCase(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  private PerLock of(String name) {
    PerLock meters = byName.get(name);
    if (meters != null) {
      return meters;
    }
    boolean ownTag = namesTagged.get() < MAX_LOCK_NAMES && namesTagged.incrementAndGet() <= MAX_LOCK_NAMES;
    if (!ownTag) {
      return byName.computeIfAbsent(OTHER, PerLock::new);
    }
    return byName.computeIfAbsent(name, PerLock::new);
  }

  @Override
  public void acquisition(String name, Outcome outcome, long waitNanos) {
    PerLock meters = of(name);
    counter(meters.acquisitions, outcome).increment();
    meters.waits.record(waitNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void handOver(String name, HandOver how) {
    counter(of(name).handOvers, how).increment();
  }

  @Override
  public void held(String name, long holdNanos) {
    of(name).holds.record(holdNanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void waiting(int delta) {
    waiting.addAndGet(delta);
  }

  @Override
  public void leasesRenewed(int count) {
    renewed.increment(count);
  }

  @Override
  public void leaseLost(String name) {
    of(name).lost.increment();
  }

  @Override
  public void wokenBy(WakeUp cause) {
    counter(wakeUps, cause).increment();
  }

  @Override
  public void redisError(String operation) {
    errors.computeIfAbsent(operation, op -> Counter.builder("redis.mutex.redis.errors").tag("operation", op)
        .description("Redis unreachable or failing, by operation").register(registry)).increment();
  }
}
