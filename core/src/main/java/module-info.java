/**
 * redis-mutex: a {@link java.util.concurrent.locks.Lock} shared by many processes through Redis. The one exported
 * package is {@code io.github.redismutex}; Lettuce is required transitively because its client and exception types
 * appear in the public API ({@code RedisLocksBuilder#client}, the {@code RedisException}s that calls may throw).
 * Micrometer is optional: only {@code RedisLocksBuilder#meterRegistry} needs it.
 */
@SuppressWarnings("module") // Lettuce and Reactor are automatic modules: their names are stable Automatic-Module-Names
module io.github.redismutex {
  requires transitive lettuce.core;
  requires reactor.core;
  requires io.netty.common; // the Future of ClientResources.shutdown
  requires org.slf4j;
  requires static micrometer.core;
  requires static org.jspecify; // @NullMarked and @Nullable: class-file annotations, not needed at run time

  exports io.github.redismutex;
}
