package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class GlobTest {
  private static boolean matches(String glob, String name) throws UsageException {
    return Glob.of(glob).matches(name);
  }

  @Test
  void starMatchesAnyTextAlsoEmptyAndAcrossNewlines() throws UsageException {
    assertThat(matches("*", "")).isTrue();
    assertThat(matches("orders:*", "orders:42")).isTrue();
    assertThat(matches("orders:*", "orders:\n42")).isTrue();
    assertThat(matches("orders:*", "order:42")).isFalse();
    assertThat(matches("*:42", "orders:42")).isTrue();
  }

  @Test
  void questionMarkMatchesOneCodePoint() throws UsageException {
    assertThat(matches("a?c", "abc")).isTrue();
    assertThat(matches("a?c", "a😀c")).isTrue(); // two UTF-16 chars, one character
    assertThat(matches("a?c", "ac")).isFalse();
  }

  @Test
  void setsRangesAndNegations() throws UsageException {
    assertThat(matches("job-[abc]", "job-b")).isTrue();
    assertThat(matches("job-[a-c]", "job-d")).isFalse();
    assertThat(matches("job-[^a-c]", "job-d")).isTrue();
    assertThat(matches("job-[!a-c]", "job-a")).isFalse();
    assertThat(matches("[]x]", "]")).isTrue();
    assertThat(matches("[a-]", "-")).isTrue();
  }

  @Test
  void regexAndBraceCharactersAreLiterals() throws UsageException {
    assertThat(matches("a.b(c)+{d}|$^", "a.b(c)+{d}|$^")).isTrue();
    assertThat(matches("a.b", "axb")).isFalse();
    assertThat(matches("\\Q*\\E", "\\Q*\\E")).isFalse(); // \Q quotes Q here, not the regex
    assertThat(matches("\\Q*\\E", "Qanything E")).isTrue();
  }

  @Test
  void backslashQuotesTheNextCharacter() throws UsageException {
    assertThat(matches("a\\*", "a*")).isTrue();
    assertThat(matches("a\\*", "ab")).isFalse();
    assertThat(matches("a\\\\b", "a\\b")).isTrue();
    assertThat(matches("[\\]]", "]")).isTrue();
  }

  @Test
  void unicodeNamesMatch() throws UsageException {
    assertThat(matches("заказ-*", "заказ-42")).isTrue();
    assertThat(matches("[α-ω]", "λ")).isTrue();
  }

  @Test
  void malformedGlobsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> Glob.of("a[bc")).isInstanceOf(UsageException.class)
        .hasMessage("PATTERN 'a[bc' has a '[' without its ']' (write \\[ for a bracket)");
    assertThatThrownBy(() -> Glob.of("[]")).hasMessageContaining("without its ']'");
    assertThatThrownBy(() -> Glob.of("[z-a]")).hasMessage("PATTERN '[z-a]' has a backward range z-a");
    assertThatThrownBy(() -> Glob.of("a\\")).hasMessageContaining("ends in a lone '\\'");
  }
}
