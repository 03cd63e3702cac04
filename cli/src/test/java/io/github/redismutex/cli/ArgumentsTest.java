package io.github.redismutex.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ArgumentsTest {
  private static final Map<String, String> NO_ENV = Map.of();

  private static Arguments parse(String... args) throws UsageException {
    return Arguments.parse(args, NO_ENV);
  }

  @Test
  void inspectTakesTheNameAndTheDefaults() throws UsageException {
    Arguments arguments = parse("inspect", "orders:42");

    assertThat(arguments.command()).isEqualTo(Arguments.Command.INSPECT);
    assertThat(arguments.name()).isEqualTo("orders:42");
    assertThat(arguments.uri()).isEqualTo("redis://127.0.0.1:6379");
    assertThat(arguments.prefix()).isEqualTo("redis-mutex:");
  }

  @Test
  void optionsMayStandAnywhereInEitherSpelling() throws UsageException {
    Arguments arguments = parse("--uri", "redis://h:1", "list", "--prefix=p:", "a*", "--limit", "5");

    assertThat(arguments.command()).isEqualTo(Arguments.Command.LIST);
    assertThat(arguments.pattern().matches("abc")).isTrue();
    assertThat(arguments.pattern().matches("b")).isFalse();
    assertThat(arguments.uri()).isEqualTo("redis://h:1");
    assertThat(arguments.prefix()).isEqualTo("p:");
    assertThat(arguments.limit()).isEqualTo(5);
  }

  @Test
  void listDefaultsToEveryNameAndAThousand() throws UsageException {
    Arguments arguments = parse("list");

    assertThat(arguments.pattern().toString()).isEqualTo("*");
    assertThat(arguments.limit()).isEqualTo(1000);
  }

  @Test
  void redisUrlIsTheDefaultUriAndUriOverridesIt() throws UsageException {
    Map<String, String> env = Map.of("REDIS_URL", "redis://from-env:7");

    assertThat(Arguments.parse(new String[] {"list"}, env).uri()).isEqualTo("redis://from-env:7");
    assertThat(Arguments.parse(new String[] {"list", "--uri", "redis://given:8"}, env).uri())
        .isEqualTo("redis://given:8");
    assertThat(Arguments.parse(new String[] {"list"}, Map.of("REDIS_URL", " ")).uri())
        .isEqualTo("redis://127.0.0.1:6379");
  }

  @Test
  void doubleDashLetsANameStartWithADash() throws UsageException {
    assertThat(parse("inspect", "--", "--help").name()).isEqualTo("--help");
  }

  @Test
  void helpAndVersionWinOverEverythingElse() throws UsageException {
    assertThat(parse("inspect", "a", "b", "--help").command()).isEqualTo(Arguments.Command.HELP);
    assertThat(parse("-h").command()).isEqualTo(Arguments.Command.HELP);
    assertThat(parse("--bogus", "x", "--version").command()).isEqualTo(Arguments.Command.VERSION);
  }

  @Test
  void missingCommandIsRefused() {
    assertThatThrownBy(() -> parse()).isInstanceOf(UsageException.class).hasMessageContaining("command is required");
  }

  @Test
  void unknownCommandIsRefusedByName() {
    assertThatThrownBy(() -> parse("show", "x")).hasMessage("unknown command 'show': use inspect or list");
  }

  @Test
  void inspectNeedsExactlyOneNonEmptyName() {
    assertThatThrownBy(() -> parse("inspect")).hasMessage("inspect takes one lock NAME, got 0");
    assertThatThrownBy(() -> parse("inspect", "my", "lock"))
        .hasMessage("inspect takes one lock NAME, got 2 (quote a name that has spaces)");
    assertThatThrownBy(() -> parse("inspect", "")).hasMessage("the lock NAME must not be empty");
  }

  @Test
  void listTakesAtMostOnePattern() {
    assertThatThrownBy(() -> parse("list", "a", "b")).hasMessageStartingWith("list takes at most one PATTERN, got 2");
  }

  @Test
  void limitMustBeAPositiveNumberAndOnlyForList() {
    assertThatThrownBy(() -> parse("list", "--limit", "0"))
        .hasMessage("--limit must be a whole number of at least 1, was '0'");
    assertThatThrownBy(() -> parse("list", "--limit=ten"))
        .hasMessage("--limit must be a whole number of at least 1, was 'ten'");
    assertThatThrownBy(() -> parse("inspect", "a", "--limit", "3")).hasMessage("--limit applies to list only");
  }

  @Test
  void optionWithoutValueIsRefused() {
    assertThatThrownBy(() -> parse("list", "--prefix")).hasMessage("--prefix needs a value");
  }

  @Test
  void unknownOptionIsNamedWithoutItsValue() {
    assertThatThrownBy(() -> parse("list", "--url=redis://:secret@h")).hasMessage("unknown option '--url'");
  }

  @Test
  void optionGivenTwiceIsRefused() {
    assertThatThrownBy(() -> parse("list", "--prefix", "a", "--prefix", "b")).hasMessage("--prefix is given twice");
  }

  @Test
  void badPatternIsRefusedBeforeConnecting() {
    assertThatThrownBy(() -> parse("list", "[ab")).isInstanceOf(UsageException.class)
        .hasMessageContaining("'[' without its ']'");
  }
}
