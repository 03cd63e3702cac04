package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redismutex.RedisLocks;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The ACL rules docs/cli.md gives an operator's user are enough for inspect and list, and these are needed. */
class AclIT {
  private static final String PREFIX = "acl:";
  private static final String PASSWORD = "op-pa55";
  /** As in docs/cli.md, for the prefix {@value #PREFIX}. */
  private static final List<String> DOCUMENTED = List.of("~" + PREFIX + "*", "+info", "+evalsha", "+eval",
      "+type", "+get", "+pttl", "+scan");

  @RegisterExtension static final LocalRedis redis = new LocalRedis();

  private RedisLocks locks;
  private HeldLock held;

  @BeforeEach
  void holdALock() {
    locks = redis.locks(PREFIX);
    held = HeldLock.hold(locks, "orders:42");
  }

  @AfterEach
  void release() {
    held.close();
    locks.close();
  }

  /** An ACL user with only these rules (beyond a password); returns its URI. */
  private String user(String name, List<String> rules) {
    CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("SETUSER").add(name).add("reset")
        .add("on").add(">" + PASSWORD);
    rules.forEach(args::add);
    redis.commands().dispatch(CommandType.ACL, new StatusOutput<>(StringCodec.UTF8), args);
    return redis.uri().replace("redis://", "redis://" + name + ":" + PASSWORD + "@");
  }

  @Test
  void theDocumentedRulesAreEnoughEvenBeforeTheScriptsAreLoaded() {
    String uri = user("operator", DOCUMENTED);
    redis.commands().scriptFlush(); // the user may not SCRIPT LOAD: the library falls back to EVAL

    Cli.Result inspect = Cli.run("inspect", "orders:42", "--uri", uri, "--prefix", PREFIX);
    Cli.Result list = Cli.run("list", "--uri", uri, "--prefix", PREFIX);

    assertThat(inspect.status()).as(inspect.err()).isZero();
    assertThat(list.status()).as(list.err()).isZero();
    assertThat(list.out()).contains("orders:42");
  }

  @Test
  void withoutANeededRuleRedisRefusesInOneLine() {
    for (String rule : List.of("~" + PREFIX + "*", "+info", "+evalsha", "+pttl", "+scan")) {
      List<String> fewer = new ArrayList<>(DOCUMENTED);
      fewer.remove(rule);
      String uri = user("short-" + DOCUMENTED.indexOf(rule), fewer);

      Cli.Result list = Cli.run("list", "--uri", uri, "--prefix", PREFIX);

      assertThat(list.status()).as(rule).isEqualTo(3);
      assertThat(list.errLines()).as(rule).singleElement().asString().contains(" refused: ")
          .doesNotContain(PASSWORD);
    }
  }
}
