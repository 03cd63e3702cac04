package io.github.redismutex;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script read once from a resource file next to this class, with the SHA-1 digest that EVALSHA names it by.
 * The contract of each script (KEYS, ARGV, return values) is the comment at the top of its file. Immutable.
 */
final class LuaScript {
  static final LuaScript ACQUIRE = load("acquire.lua");
  static final LuaScript RELEASE = load("release.lua");
  static final LuaScript FENCE = load("fence.lua");
  static final LuaScript RENEW = load("renew.lua");
  static final LuaScript EXTEND = load("extend.lua");
  static final LuaScript INSPECT = load("inspect.lua");
  static final LuaScript FENCED_SET = load("fenced-set.lua");
  static final LuaScript CONDITION_AWAIT = load("condition-await.lua");
  static final LuaScript CONDITION_SIGNAL = load("condition-signal.lua");
  static final LuaScript CONDITION_LEAVE = load("condition-leave.lua");
  static final LuaScript ACQUIRE_READ = load("acquire-read.lua");
  static final LuaScript RELEASE_READ = load("release-read.lua");
  static final LuaScript READ_COUNT = load("read-count.lua");
  static final List<LuaScript> ALL = List.of(ACQUIRE, RELEASE, FENCE, RENEW, EXTEND, INSPECT, FENCED_SET,
      CONDITION_AWAIT, CONDITION_SIGNAL, CONDITION_LEAVE, ACQUIRE_READ, RELEASE_READ, READ_COUNT);

  final String fileName;
  final String source;
  final String sha1;

  private LuaScript(String fileName, String source) {
    this.fileName = fileName;
    this.source = source;
    this.sha1 = sha1Hex(source);
  }

  static LuaScript load(String fileName) {
    try (InputStream in = LuaScript.class.getResourceAsStream(fileName)) {
      if (in == null) {
        throw new IllegalStateException("script resource " + fileName + " is missing from the redis-mutex jar");
      }
      return new LuaScript(fileName, new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script resource " + fileName, e);
    }
  }

  private static String sha1Hex(String source) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-1");
      return HexFormat.of().formatHex(digest.digest(source.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-1", e);
    }
  }

  @Override
  public String toString() {
    return fileName + "@" + sha1;
  }
}
