package io.github.redismutex.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.redismutex.LeaseExpiredException;
import io.github.redismutex.LeaseLostListener;
import io.github.redismutex.RedisLocks;
import io.github.redismutex.RedisMutex;
import io.github.redismutex.spring.support.RedisProcess;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.Delay;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.integration.support.locks.DefaultLockRegistry;
import org.springframework.integration.support.locks.LockRegistry;

/** Which beans the auto-configuration makes, from which connection, and when it backs off. */
class RedisMutexAutoConfigurationIT {
  private static final RedisProcess REDIS = RedisProcess.shared();

  /** Boot's Redis auto-configuration (Lettuce) and ours, pointed at the shared server. */
  private final ApplicationContextRunner withBootRedis = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class, RedisMutexAutoConfiguration.class))
      .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + REDIS.port());

  /** Ours alone: no connection factory to borrow from. */
  private final ApplicationContextRunner withoutBootRedis = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(RedisMutexAutoConfiguration.class));

  @Test
  void replicaAcknowledgementsReachTheLocks() {
    // this server has no replica: with acknowledgements asked for, no lock can be acquired
    withBootRedis.withPropertyValues("redis-mutex.replica-acknowledgements=1",
        "redis-mutex.replica-acknowledgement-timeout=20ms").run(context -> {
          RedisMutex lock = context.getBean(RedisLocks.class).mutex("acknowledged");
          assertThat(lock.tryLock(Duration.ofMillis(200))).isFalse();
        });
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnRedisLocks() {
    withBootRedis.withBean("myLocks", RedisLocks.class, () -> RedisLocks.connect(REDIS.uri())).run(context -> {
      assertThat(context).hasSingleBean(RedisLocks.class).hasBean("myLocks");
      assertThat(context).doesNotHaveBean(LocksStopBeforeFactory.class).doesNotHaveBean(OwnedRedisClient.class);
      assertThat(context).hasSingleBean(RedisMutexLockRegistry.class);
    });
  }

  @Test
  void backsOffWhenTheApplicationDefinesItsOwnLockRegistry() {
    withBootRedis.withBean("myRegistry", LockRegistry.class, DefaultLockRegistry::new).run(context -> {
      assertThat(context).hasSingleBean(LockRegistry.class).hasBean("myRegistry");
      assertThat(context).doesNotHaveBean(RedisMutexLockRegistry.class);
      assertThat(context).hasSingleBean(RedisLocks.class);
    });
  }

  @Test
  void borrowsTheApplicationsRedisClientBeanBeforeBootsConnectionFactory() {
    withBootRedis.withBean(RedisClient.class, () -> RedisClient.create(REDIS.uri())).run(context -> {
      assertThat(context).hasSingleBean(RedisLocks.class).hasSingleBean(LettuceConnectionFactory.class);
      assertThat(context).doesNotHaveBean(LocksStopBeforeFactory.class).doesNotHaveBean(OwnedRedisClient.class);
      assertLocks(context.getBean(RedisLocks.class));
    });
  }

  @Test
  void closingTheContextLeavesTheBorrowedBootClientOpen() {
    // Boot's connection factory in a parent context, the locks in a child: closing the child is the locks' context
    // closing while the client they borrowed lives on.
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataRedisAutoConfiguration.class))
        .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + REDIS.port())
        .run(parent -> {
          LettuceConnectionFactory factory = parent.getBean(LettuceConnectionFactory.class);
          RedisClient bootClient = (RedisClient) factory.getRequiredNativeClient();
          RedisLocks[] borrowing = new RedisLocks[1];
          withoutBootRedis.withParent(parent).run(child -> {
            assertThat(child).hasSingleBean(LocksStopBeforeFactory.class).doesNotHaveBean(OwnedRedisClient.class);
            borrowing[0] = child.getBean(RedisLocks.class);
            assertLocks(borrowing[0]);
          });
          assertThatThrownBy(() -> borrowing[0].mutex("closed")).isInstanceOf(IllegalStateException.class);
          assertThat(factory.getRequiredNativeClient()).isSameAs(bootClient);
          try (StatefulRedisConnection<String, String> connection = bootClient.connect()) {
            assertThat(connection.sync().ping()).isEqualTo("PONG");
          }
          try (var connection = factory.getConnection()) {
            assertThat(connection.ping()).isEqualTo("PONG");
          }
        });
  }

  @Test
  void locksStopInThePhaseBeforeTheConnectionFactory() {
    withBootRedis.run(context -> {
      LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
      LocksStopBeforeFactory lifecycle = context.getBean(LocksStopBeforeFactory.class);
      assertThat(lifecycle.getPhase()).isEqualTo(factory.getPhase() + 1);
      RedisLocks locks = context.getBean(RedisLocks.class);
      context.stop();
      assertThat(factory.isRunning()).isFalse();
      assertThat(lifecycle.isRunning()).isFalse();
      assertThatThrownBy(() -> locks.mutex("stopped")).isInstanceOf(IllegalStateException.class);
    });
  }

  @Test
  void withoutAConnectionFactoryMakesAClientOfItsOwnFromSpringDataRedisProperties() {
    withoutBootRedis
        .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + REDIS.port())
        .run(context -> {
          assertThat(context).hasSingleBean(OwnedRedisClient.class).doesNotHaveBean(LocksStopBeforeFactory.class);
          assertLocks(context.getBean(RedisLocks.class));
        });
  }

  @Test
  void ownClientAuthenticatesWithUrlOrWithPassword() {
    try (RedisProcess secured = RedisProcess.start("--requirepass", "s3cr3t")) {
      withoutBootRedis.withPropertyValues("spring.data.redis.url=redis://:s3cr3t@127.0.0.1:" + secured.port())
          .run(context -> assertLocks(context.getBean(RedisLocks.class)));
      withoutBootRedis.withPropertyValues("spring.data.redis.host=127.0.0.1",
              "spring.data.redis.port=" + secured.port(), "spring.data.redis.password=s3cr3t")
          .run(context -> assertLocks(context.getBean(RedisLocks.class)));
    }
  }

  @Test
  void ownClientIsShutDownWithTheContext() {
    try (RedisProcess dedicated = RedisProcess.start();
         RedisClient admin = RedisClient.create(dedicated.uri());
         StatefulRedisConnection<String, String> connection = admin.connect()) {
      withoutBootRedis
          .withPropertyValues("spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + dedicated.port())
          .run(context -> assertThat(clientCount(connection)).isEqualTo(3)); // admin, commands, pub/sub
      await().until(() -> clientCount(connection) == 1);
    }
  }

  @Test
  void malformedUrlFailsStartupWithoutQuotingIt() {
    withoutBootRedis.withPropertyValues("spring.data.redis.url=redis://:s3cr3t/pw@127.0.0.1:6379")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageStartingWith("spring.data.redis.url is not a Redis URL");
          assertThat(stackTraceOf(context.getStartupFailure())).doesNotContain("s3cr3t");
        });
  }

  @Test
  void sentinelSettingsWithoutLettuceFailStartupSayingWhatToDo() {
    withoutBootRedis.withPropertyValues("spring.data.redis.sentinel.master=mymaster")
        .run(context -> assertThat(context).getFailure().rootCause()
            .hasMessageStartingWith("spring.data.redis.sentinel.master is set")
            .hasMessageContaining("define a RedisLocks bean"));
  }

  @Test
  void invalidLeaseTimeFailsStartupNamingTheProperty() {
    withBootRedis.withPropertyValues("redis-mutex.lease-time=0s")
        .run(context -> assertThat(context).getFailure().hasStackTraceContaining("IllegalArgumentException:"
            + " redis-mutex.lease-time is invalid: leaseTime must be between PT0.1S and PT24H, was PT0S"));
  }

  @Test
  void configureKeyspaceNotificationsTrueTurnsThemOn() {
    try (RedisProcess dedicated = RedisProcess.start();
         RedisClient admin = RedisClient.create(dedicated.uri());
         StatefulRedisConnection<String, String> connection = admin.connect()) {
      withoutBootRedis.withPropertyValues("spring.data.redis.host=127.0.0.1",
              "spring.data.redis.port=" + dedicated.port(), "redis-mutex.configure-keyspace-notifications=true")
          .run(context -> assertThat(connection.sync().configGet("notify-keyspace-events"))
              .extractingByKey("notify-keyspace-events").asString().contains("K", "g", "x", "e"));
    }
  }

  @Test
  void leaseLostListenerBeanIsToldOfALostLease() {
    List<String> lost = new CopyOnWriteArrayList<>();
    withBootRedis.withPropertyValues("redis-mutex.lease-time=300ms", "redis-mutex.key-prefix=lease-lost:")
        .withBean(LeaseLostListener.class, () -> (name, token) -> lost.add(name))
        .run(context -> {
          RedisMutex lock = context.getBean(RedisLocks.class).mutex("lost");
          lock.lock();
          try (RedisClient admin = RedisClient.create(REDIS.uri());
               StatefulRedisConnection<String, String> connection = admin.connect()) {
            connection.sync().del("lease-lost:{lost}"); // as if the lease had run out while the holder paused
          }
          await().until(() -> lost.contains("lost"));
          assertThatThrownBy(lock::unlock).isInstanceOf(LeaseExpiredException.class);
        });
  }

  @Test
  void aMeterRegistryBeanGetsTheLocksMeters() {
    withBootRedis.withPropertyValues("redis-mutex.key-prefix=metered:")
        .withBean(io.micrometer.core.instrument.MeterRegistry.class,
            io.micrometer.core.instrument.simple.SimpleMeterRegistry::new)
        .run(context -> {
          RedisMutex lock = context.getBean(RedisLocks.class).mutex("metered");
          lock.lock();
          lock.unlock();
          io.micrometer.core.instrument.MeterRegistry meters =
              context.getBean(io.micrometer.core.instrument.MeterRegistry.class);
          assertThat(meters.get("redis.mutex.acquisitions").tag("lock", "metered").tag("outcome", "acquired")
              .counter().count()).isEqualTo(1);
        });
  }

  @Test
  void aBuilderCustomizerBeanAdjustsTheBuilder() {
    withBootRedis.withBean(RedisLocksBuilderCustomizer.class, () -> builder -> builder.keyPrefix("customized:"))
        .run(context -> {
          RedisLocks locks = context.getBean(RedisLocks.class);
          RedisMutex lock = locks.mutex("adjusted");
          lock.lock();
          try (RedisClient admin = RedisClient.create(REDIS.uri());
               StatefulRedisConnection<String, String> connection = admin.connect()) {
            assertThat(connection.sync().exists("customized:{adjusted}")).isOne();
          } finally {
            lock.unlock();
          }
        });
  }

  @Test
  void reconnectRecipeOfTheDocsGivesBootsClientADelayOfAtMostASecond() {
    withBootRedis.withBean(ClientResourcesBuilderCustomizer.class, () -> resources -> resources.reconnectDelay(
            Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS)))
        .run(context -> {
          AbstractRedisClient client = context.getBean(LettuceConnectionFactory.class).getRequiredNativeClient();
          assertThat(client.getResources().reconnectDelay().createDelay(20)).isLessThanOrEqualTo(Duration.ofSeconds(1));
        });
  }

  private static void assertLocks(RedisLocks locks) {
    RedisMutex lock = locks.mutex("auto-configuration-it");
    assertThat(lock.tryLock()).isTrue();
    try {
      assertThat(locks.inspect("auto-configuration-it")).isPresent();
    } finally {
      lock.unlock();
    }
  }

  private static long clientCount(StatefulRedisConnection<String, String> connection) {
    return connection.sync().clientList().lines().filter(line -> !line.isBlank()).count();
  }

  private static String stackTraceOf(Throwable failure) {
    StringWriter text = new StringWriter();
    failure.printStackTrace(new PrintWriter(text));
    return text.toString();
  }
}
