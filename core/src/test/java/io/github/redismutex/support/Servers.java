package io.github.redismutex.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Asks {@link RedisExtension} for several independent {@link RedisServer} processes of the test's own, as a {@code
 * List<RedisServer>}, for Redlock: {@code void survives(@Servers(5) List<RedisServer> servers)}. Started with {@link
 * #args} each, stopped together when their scope ends (see {@link RedisExtension}), also when the test fails. Within
 * one scope, every {@code @Servers} parameter with the same count and args is the same list.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Servers {
  /** How many servers. */
  int value();

  /** Arguments added to every server's {@code redis-server} command line. */
  String[] args() default {};
}
