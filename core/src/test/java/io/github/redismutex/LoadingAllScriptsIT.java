package io.github.redismutex;

import static io.github.redismutex.ScriptFixture.HEARTBEAT_MILLIS;
import static io.github.redismutex.ScriptFixture.LEASE_MILLIS;
import static io.github.redismutex.ScriptFixture.METADATA;
import static io.github.redismutex.ScriptFixture.SHORT_TTL_MILLIS;
import static io.github.redismutex.ScriptFixture.lease;
import static io.github.redismutex.ScriptFixture.queue;
import static io.github.redismutex.ScriptFixture.reply;
import static io.github.redismutex.ScriptFixture.state;
import static io.github.redismutex.ScriptFixture.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.LockStore.Attempt;
import io.github.redismutex.LockStore.Release;
import io.github.redismutex.support.RedisExtension;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Loading the scripts: every call still works after the server forgot its scripts (EVALSHA falling back to EVAL), and
 * preloading loads them all.
 *
 * <p>Each test sends its calls through {@link LettuceLockStore} to a real Redis and checks what the call left in
 * Redis, not only what it answered. The shared setup and helpers are in {@link ScriptFixture}.
 */
@ExtendWith(RedisExtension.class) // starts and stops the class's server; the fixture connects to it
class LoadingAllScriptsIT {
  @RegisterExtension final ScriptFixture fixture = new ScriptFixture();

  // ---- EVALSHA, falling back to EVAL

  /** Each script is checked unloaded right before its call, so every call goes through the EVAL fallback. */
  @Test
  void everyScriptStillRunsAfterTheServerForgotItsScripts() throws Exception {
    fixture.admin().scriptFlush();
    assertThat(fixture.admin().scriptExists(allSha1s())).as("flushed").containsOnly(false);
    String key = fixture.key("flushed");

    assertUnloaded(LuaScript.ACQUIRE);
    assertThat(reply(fixture.store.acquire(key, fixture.token, SHORT_TTL_MILLIS, METADATA, ScriptFixture.ticket())))
        .isEqualTo(Attempt.acquired(0));
    assertUnloaded(LuaScript.FENCE);
    assertThat(reply(fixture.store.drawFencingToken(key, fixture.token, METADATA))).isEqualTo(1L);
    assertUnloaded(LuaScript.EXTEND);
    assertThat(reply(fixture.store.extend(key, fixture.token, LEASE_MILLIS))).isGreaterThan(LEASE_MILLIS);
    assertUnloaded(LuaScript.RENEW);
    assertThat(reply(fixture.store.renew(List.of(lease(key, fixture.token)), LEASE_MILLIS))[0]).isNotNegative();
    assertUnloaded(LuaScript.INSPECT);
    assertThat(reply(fixture.store.inspect(key)).value()).isEqualTo(value(fixture.token, 1));
    assertUnloaded(LuaScript.CONDITION_AWAIT);
    assertThat(reply(fixture.store.conditionAwait(key, fixture.token, queue(key), "waiter", HEARTBEAT_MILLIS)))
        .isTrue();
    assertUnloaded(LuaScript.CONDITION_SIGNAL);
    assertThat(reply(fixture.store.conditionSignal(key, fixture.token, queue(key), false))).isEqualTo(1L);
    assertUnloaded(LuaScript.CONDITION_LEAVE);
    assertThat(reply(fixture.store.conditionLeave(key, queue(key), "waiter", 0))).isEqualTo(1L);
    assertUnloaded(LuaScript.RELEASE);
    assertThat(reply(fixture.store.release(key, fixture.token, LockKeys.releaseChannel(key))))
        .isEqualTo(Release.RELEASED);
    assertUnloaded(LuaScript.FENCED_SET);
    String resource = fixture.key("flushed resource");
    assertThat(reply(fixture.store.fencedSet(resource, "written", 1))).isTrue();

    assertThat(fixture.admin().exists(key, queue(key), state(key, "waiter"))).isZero();
    assertThat(fixture.admin().get(resource)).isEqualTo("written");
    assertThat(fixture.admin().scriptExists(allSha1s())).as("loaded again by EVAL").containsOnly(true);
  }

  @Test
  void preloadScriptsLoadsEveryScript() throws Exception {
    fixture.admin().scriptFlush();
    reply(fixture.store.preloadScripts());
    assertThat(fixture.admin().scriptExists(allSha1s())).hasSize(10).containsOnly(true);
  }

  // ---- helpers

  /** All ten scripts, named one by one rather than through {@link LuaScript#ALL}, so a script left out of it shows. */
  private static String[] allSha1s() {
    return new String[] {
      LuaScript.ACQUIRE.sha1,
      LuaScript.RELEASE.sha1,
      LuaScript.FENCE.sha1,
      LuaScript.RENEW.sha1,
      LuaScript.EXTEND.sha1,
      LuaScript.INSPECT.sha1,
      LuaScript.FENCED_SET.sha1,
      LuaScript.CONDITION_AWAIT.sha1,
      LuaScript.CONDITION_SIGNAL.sha1,
      LuaScript.CONDITION_LEAVE.sha1
    };
  }

  private void assertUnloaded(LuaScript script) {
    assertThat(fixture.admin().scriptExists(script.sha1)).as("%s still flushed", script).containsExactly(false);
  }
}
