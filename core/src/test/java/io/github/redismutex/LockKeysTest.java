package io.github.redismutex;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How lock names become Redis keys, and which names and prefixes are accepted. No Redis needed. */
class LockKeysTest {
  private static final LockKeys KEYS = new LockKeys("app:");

  /** Names that differ only in the characters the escaping touches, or that look like an escape themselves. */
  private static final List<String> TRICKY_NAMES =
      List.of("a{b", "a\\(b", "a(b", "a}b", "a\\)b", "a)b", "a\\b", "a\\\\b", "a\\{b", "a\\}b", "{", "}", "{}",
          "}{", "\\", "\\\\", "\\(", "\\)", "(", ")", "{{", "}}", "a{b}c", "a\\(b\\)c", "a(b)c", " ", "*", "?",
          "[a]", "\n", "orders:42", "orders:42}", "{orders:42", "{orders:42}", "é", "😀");

  // ---- the mapping

  @Test
  void lockKeyIsThePrefixAndTheNameInBraces() {
    assertThat(KEYS.lockKey("orders:42")).isEqualTo("app:{orders:42}");
  }

  @Test
  void bracesAndBackslashesInTheNameAreEscaped() {
    assertThat(KEYS.lockKey("a{b")).isEqualTo("app:{a\\(b}");
    assertThat(KEYS.lockKey("a}b")).isEqualTo("app:{a\\)b}");
    assertThat(KEYS.lockKey("a\\b")).isEqualTo("app:{a\\\\b}");
    assertThat(KEYS.lockKey("}{")).isEqualTo("app:{\\)\\(}");
  }

  @Test
  void namesThatLookLikeEachOthersEscapesGetDifferentKeys() {
    List<String> names = List.of("a{b", "a\\(b", "a(b", "a}b", "a\\)b");
    assertThat(names.stream().map(KEYS::lockKey)).doesNotHaveDuplicates();
  }

  @Test
  void trickyNamesAllGetDifferentKeys() {
    assertThat(TRICKY_NAMES).doesNotHaveDuplicates();
    assertThat(TRICKY_NAMES.stream().map(KEYS::lockKey)).doesNotHaveDuplicates();
  }

  /** Every name of up to five characters over the alphabet the escaping is about: 9,330 names, 9,330 keys. */
  @Test
  void everyShortNameOverTheEscapedCharactersGetsAKeyOfItsOwn() {
    Map<String, String> nameByKey = new HashMap<>();
    for (String name : allNamesUpTo(5, "a\\{}()")) {
      String earlier = nameByKey.put(KEYS.lockKey(name), name);
      assertThat(earlier).as("name sharing the key of '%s'", name).isNull();
    }
    assertThat(nameByKey).hasSize(6 + 36 + 216 + 1296 + 7776);
  }

  @Test
  void everyLockKeyEndsInAClosingBraceSoNoSuffixedKeyIsAnotherLockKey() {
    for (String name : TRICKY_NAMES) {
      assertThat(KEYS.lockKey(name)).endsWith("}");
      assertThat(LockKeys.releaseChannel(KEYS.lockKey(name))).doesNotEndWith("}");
    }
  }

  @Test
  void theLockKeyAndItsReleaseChannelHashToOneClusterSlot() {
    for (String name : TRICKY_NAMES) {
      String key = KEYS.lockKey(name);
      assertThat(SlotHash.getSlot(LockKeys.releaseChannel(key)))
          .as("slot of %s:released", key)
          .isEqualTo(SlotHash.getSlot(key));
      assertThat(SlotHash.getSlot(key + ":any-suffix")).as("slot of %s:any-suffix", key).isEqualTo(SlotHash.getSlot(key));
    }
  }

  @Test
  void theHashTagIsTheWholeEscapedName() {
    assertThat(SlotHash.getSlot(KEYS.lockKey("orders:42"))).isEqualTo(SlotHash.getSlot("orders:42"));
    assertThat(SlotHash.getSlot(KEYS.lockKey("a{b}c"))).isEqualTo(SlotHash.getSlot("a\\(b\\)c"));
  }

  @Test
  void keyspaceChannelNamesTheDatabaseAndTheKey() {
    assertThat(LockKeys.keyspaceChannel(3, "app:{x}")).isEqualTo("__keyspace@3__:app:{x}");
  }

  // ---- names

  @Test
  void nullNameIsANullPointerExceptionNamingTheArgument() {
    assertThatThrownBy(() -> LockKeys.checkName(null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessageContaining("name");
  }

  @Test
  void emptyNameIsRejected() {
    assertThatThrownBy(() -> LockKeys.checkName(""))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name")
        .hasMessageContaining("empty");
  }

  @Test
  void nameOf1024BytesIsAccepted() {
    String name = "x".repeat(1024);
    assertThat(LockKeys.checkName(name)).isEqualTo(name);
  }

  @Test
  void nameOf1025BytesIsRejectedWithTheLimitAndItsSize() {
    assertThatThrownBy(() -> LockKeys.checkName("x".repeat(1025)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name")
        .hasMessageContaining("1024")
        .hasMessageContaining("1025");
  }

  @Test
  void twoByteCharactersCountTwiceTowardsTheLimit() {
    String name = "é".repeat(512); // 512 chars, 1024 bytes
    assertThat(LockKeys.checkName(name)).isEqualTo(name);
    assertThatThrownBy(() -> LockKeys.checkName("é".repeat(513)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1026");
  }

  @Test
  void threeByteCharactersCountThriceTowardsTheLimit() {
    String name = "€".repeat(341); // 341 chars, 1023 bytes
    assertThat(LockKeys.checkName(name)).isEqualTo(name);
    assertThatThrownBy(() -> LockKeys.checkName("€".repeat(342)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name")
        .hasMessageContaining("1026");
  }

  @Test
  void surrogatePairsCountAsOneFourByteCharacter() {
    String name = "😀".repeat(256); // 512 chars, 1024 bytes
    assertThat(LockKeys.checkName(name)).isEqualTo(name);
    assertThatThrownBy(() -> LockKeys.checkName("😀".repeat(257)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1028");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\uD83D", "a\uD83Db", "a\uDE00", "\uDE00\uD83D", "😀\uD83D"})
  void nameWithAnUnpairedSurrogateIsRejected(String name) {
    assertThatThrownBy(() -> LockKeys.checkName(name))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name")
        .hasMessageContaining("surrogate");
  }

  @Test
  void nameWithAValidSurrogatePairIsAccepted() {
    assertThat(LockKeys.checkName("lock 😀 here")).isEqualTo("lock 😀 here");
  }

  // ---- prefixes

  @ParameterizedTest
  @ValueSource(strings = {"{", "}", "app{", "app}:", "{app}:"})
  void prefixWithABraceIsRejected(String prefix) {
    assertThatThrownBy(() -> new LockKeys(prefix))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix")
        .hasMessageContaining("'{' or '}'")
        .hasMessageContaining(prefix);
  }

  @Test
  void nullPrefixIsANullPointerExceptionNamingTheArgument() {
    assertThatThrownBy(() -> new LockKeys(null))
        .isExactlyInstanceOf(NullPointerException.class)
        .hasMessageContaining("keyPrefix");
  }

  @Test
  void prefixOf256BytesIsAccepted() {
    String prefix = "p".repeat(256);
    assertThat(new LockKeys(prefix).prefix()).isEqualTo(prefix);
  }

  @Test
  void prefixOver256BytesIsRejectedWithTheLimitAndItsSize() {
    assertThatThrownBy(() -> new LockKeys("é".repeat(129))) // 258 bytes
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix")
        .hasMessageContaining("256")
        .hasMessageContaining("258");
  }

  @Test
  void prefixWithAnUnpairedSurrogateIsRejected() {
    assertThatThrownBy(() -> new LockKeys("app\uD83D:"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("keyPrefix")
        .hasMessageContaining("surrogate");
  }

  private static List<String> allNamesUpTo(int length, String alphabet) {
    List<String> names = new ArrayList<>();
    List<String> shorter = List.of("");
    for (int n = 1; n <= length; n++) {
      List<String> longer = new ArrayList<>();
      for (String stem : shorter) {
        for (char c : alphabet.toCharArray()) {
          longer.add(stem + c);
        }
      }
      names.addAll(longer);
      shorter = longer;
    }
    return names;
  }
}
