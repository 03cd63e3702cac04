package io.github.redismutex.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Asks {@link RedisExtension} for a {@link RedisServer} process of the test's own, for a test that changes its
 * config, stops it or breaks it: {@code void survivesARestart(@Dedicated(args = {"--appendonly", "yes"}) RedisServer
 * server)}. The extension starts it with {@link #args} and stops it when its scope ends (see {@link RedisExtension}),
 * also when the test fails. Within one scope, every {@code @Dedicated} parameter with the same args is the same
 * server, so a {@code @BeforeEach} and its test can both ask for it.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.PARAMETER)
public @interface Dedicated {
  /** Arguments added to the {@code redis-server} command line, e.g. {@code {"--maxclients", "16"}}. */
  String[] args() default {};
}
