package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class LockKeyNamesTest {
  private final LockKeyNames keys = new LockKeyNames("redis-mutex:");

  @Test
  void keysAreThePrefixAndTheEscapedNameInBraces() {
    assertThat(keys.keyOf("orders:42")).isEqualTo("redis-mutex:{orders:42}");
    assertThat(keys.keyOf("a\\b{c}")).isEqualTo("redis-mutex:{a\\\\b\\(c\\)}");
  }

  @Test
  void nameOfUndoesKeyOf() {
    for (String name : List.of("orders:42", "with space", "{braced}", "}{", "back\\slash\\(", "\\", "ünï😀",
        "line\nbreak", "*?[glob]")) {
      assertThat(keys.nameOf(keys.keyOf(name))).as(name).contains(name);
    }
  }

  @Test
  void derivedKeysAreNoLockKeys() {
    String lockKey = keys.keyOf("orders:42");
    for (String suffix : List.of(":fence", ":waiters", ":queue", ":tickets", ":released", ":cond:c:queue",
        ":waiter:1", ":cond:}")) {
      assertThat(keys.nameOf(lockKey + suffix)).as(suffix).isEmpty();
    }
  }

  @Test
  void keysNoNameMapsToAreRefused() {
    assertThat(keys.nameOf("redis-mutex:{}")).isEmpty(); // names are never empty
    assertThat(keys.nameOf("redis-mutex:{a\\x}")).isEmpty(); // no such escape
    assertThat(keys.nameOf("redis-mutex:{a\\}")).isEmpty(); // a lone backslash
    assertThat(keys.nameOf("redis-mutex:{a{b}")).isEmpty();
    assertThat(keys.nameOf("redis-mutex:x{a}")).isEmpty();
    assertThat(keys.nameOf("other:{a}")).isEmpty();
    assertThat(keys.nameOf("redis-mutex:{a")).isEmpty();
  }

  @Test
  void scanPatternQuotesTheGlobCharactersOfThePrefix() {
    assertThat(keys.scanPattern()).isEqualTo("redis-mutex:{*}");
    assertThat(new LockKeyNames("a*b?[c]\\:").scanPattern()).isEqualTo("a\\*b\\?\\[c\\]\\\\:{*}");
  }
}
