package io.github.redismutex.cli;

import java.util.Optional;

/**
 * Lock names and their keys under one prefix, both ways, as the library writes them: the lock key of name
 * {@code n} is <code>prefix + "{" + escape(n) + "}"</code>, where {@code escape} turns {@code \} into {@code \\},
 * <code>{</code> into {@code \(} and <code>}</code> into {@code \)} (the library's package-private {@code LockKeys}
 * proves this mapping injective; a change there must be made here too, and the tests of list would fail).
 *
 * <p>Because an escaped name has no brace, a lock key ends in its only unescaped <code>}</code>; the keys the
 * library derives from it ({@code :fence}, {@code :waiters}, {@code :queue}, ...) end in something else, and
 * {@link #nameOf} refuses them and every other key that no name maps to. Immutable.
 */
final class LockKeyNames {
  private final String prefix;

  LockKeyNames(String prefix) {
    this.prefix = prefix;
  }

  String keyOf(String name) {
    StringBuilder key = new StringBuilder(prefix).append('{');
    name.chars().forEach(c -> key.append(switch (c) {
      case '\\' -> "\\\\";
      case '{' -> "\\(";
      case '}' -> "\\)";
      default -> String.valueOf((char) c);
    }));
    return key.append('}').toString();
  }

  /**
   * The SCAN MATCH pattern of the lock keys, {@code prefix + "{*}"}, with the glob characters of the prefix quoted.
   * It still lets through a few keys that are no lock keys (one whose suffix ends in a brace); {@link #nameOf}
   * sorts those out.
   */
  String scanPattern() {
    StringBuilder pattern = new StringBuilder();
    for (char c : prefix.toCharArray()) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
        pattern.append('\\');
      }
      pattern.append(c);
    }
    return pattern.append("{*}").toString();
  }

  /** The name whose lock key {@code key} is, or empty when {@code key} is not the lock key of any name. */
  Optional<String> nameOf(String key) {
    int start = prefix.length() + 1;
    if (!key.startsWith(prefix + "{") || !key.endsWith("}") || key.length() <= start + 1) {
      return Optional.empty();
    }
    StringBuilder name = new StringBuilder(key.length() - start - 1);
    for (int i = start; i < key.length() - 1; i++) {
      char c = key.charAt(i);
      if (c == '{' || c == '}') {
        return Optional.empty(); // an unescaped brace: a key derived from another lock key, or foreign
      }
      if (c == '\\') {
        char escaped = ++i < key.length() - 1 ? key.charAt(i) : 0;
        switch (escaped) {
          case '\\' -> name.append('\\');
          case '(' -> name.append('{');
          case ')' -> name.append('}');
          default -> {
            return Optional.empty(); // no escape the library writes
          }
        }
      } else {
        name.append(c);
      }
    }
    return Optional.of(name.toString());
  }
}
