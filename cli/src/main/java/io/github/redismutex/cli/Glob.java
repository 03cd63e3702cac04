package io.github.redismutex.cli;

import java.util.regex.Pattern;

/**
 * A glob on lock names, matched on the names themselves (not on their escaped keys), character by character in
 * code points: {@code *} any text (also empty, also across newlines), {@code ?} one character, {@code [abc]},
 * {@code [a-z]} and {@code [^a]} (or {@code [!a]}) one of a set or not, {@code \} takes the next character as it is.
 * Compiled once to a regular expression in which every literal is written as {@code \x{...}}, so that no character
 * of a name can mean anything to the regex engine. Immutable.
 */
final class Glob {
  private final String source;
  private final Pattern regex;

  private Glob(String source, Pattern regex) {
    this.source = source;
    this.regex = regex;
  }

  /**
   * Compiles {@code glob}.
   *
   * @throws UsageException if a {@code [} has no {@code ]}, a set is empty, a range runs backwards, or the glob
   *     ends in a lone {@code \}
   */
  static Glob of(String glob) throws UsageException {
    int[] chars = glob.codePoints().toArray();
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < chars.length; i++) {
      switch (chars[i]) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        case '[' -> i = appendSet(glob, chars, i, regex);
        case '\\' -> {
          if (i + 1 == chars.length) {
            throw new UsageException("PATTERN '" + glob + "' ends in a lone '\\' (write \\\\ for a backslash)");
          }
          regex.append(literal(chars[++i]));
        }
        default -> regex.append(literal(chars[i]));
      }
    }
    return new Glob(glob, Pattern.compile(regex.toString(), Pattern.DOTALL));
  }

  boolean matches(String name) {
    return regex.matcher(name).matches();
  }

  @Override
  public String toString() {
    return source;
  }

  /**
   * Appends the set that opens at {@code chars[open]} as a regex class; returns the index of its closing
   * {@code ]}. A {@code ]} right after the opening (or after the negation) is a member, as in the shell.
   */
  private static int appendSet(String glob, int[] chars, int open, StringBuilder regex) throws UsageException {
    int i = open + 1;
    boolean negated = i < chars.length && (chars[i] == '^' || chars[i] == '!');
    if (negated) {
      i++;
    }
    StringBuilder members = new StringBuilder();
    for (boolean first = true; i < chars.length && (first || chars[i] != ']'); first = false) {
      int low = chars[i] == '\\' && i + 1 < chars.length ? chars[++i] : chars[i];
      if (i + 2 < chars.length && chars[i + 1] == '-' && chars[i + 2] != ']') {
        i += 2;
        int high = chars[i] == '\\' && i + 1 < chars.length ? chars[++i] : chars[i];
        if (high < low) {
          throw new UsageException("PATTERN '" + glob + "' has a backward range "
              + new String(Character.toChars(low)) + "-" + new String(Character.toChars(high)));
        }
        members.append(literal(low)).append('-').append(literal(high));
      } else {
        members.append(literal(low));
      }
      i++;
    }
    if (i >= chars.length) {
      throw new UsageException("PATTERN '" + glob + "' has a '[' without its ']' (write \\[ for a bracket)");
    }
    regex.append('[').append(negated ? "^" : "").append(members).append(']');
    return i;
  }

  private static String literal(int codePoint) {
    return "\\x{" + Integer.toHexString(codePoint) + "}";
  }
}
