package io.github.redismutex.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A blocking RESP2 connection to one Redis server, for measuring: the balance of the deposit scenarios, INFO,
 * PTTL, MONITOR. No client library, so measuring costs the same whatever lock system runs beside it, and a
 * driver JVM carries no second Netty. Not thread-safe: one per thread.
 */
public final class Resp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  public Resp(int port) {
    try {
      socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000); // bounds every reply; MONITOR readers rely on it too
      in = new BufferedInputStream(socket.getInputStream());
      out = new BufferedOutputStream(socket.getOutputStream());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot connect to 127.0.0.1:" + port, e);
    }
  }

  /** Sends one command and returns its reply: String, Long, List, or null; an error reply is thrown. */
  public Object call(String... args) {
    send(args);
    return read();
  }

  public String string(String... args) {
    Object reply = call(args);
    return reply == null ? null : reply.toString();
  }

  public long number(String... args) {
    Object reply = call(args);
    return reply instanceof Long n ? n : Long.parseLong(reply.toString());
  }

  public void send(String... args) {
    try {
      writeLine("*" + args.length);
      for (String arg : args) {
        byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
        writeLine("$" + bytes.length);
        out.write(bytes);
        out.write('\r');
        out.write('\n');
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads one reply (also the next line of a MONITOR stream). */
  public Object read() {
    try {
      String line = readLine();
      char type = line.charAt(0);
      String rest = line.substring(1);
      switch (type) {
        case '+':
          return rest;
        case '-':
          throw new IllegalStateException("Redis error: " + rest);
        case ':':
          return Long.parseLong(rest);
        case '$': {
          int length = Integer.parseInt(rest);
          if (length < 0) {
            return null;
          }
          byte[] bytes = in.readNBytes(length + 2);
          return new String(bytes, 0, length, StandardCharsets.UTF_8);
        }
        case '*': {
          int count = Integer.parseInt(rest);
          if (count < 0) {
            return null;
          }
          List<Object> items = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            items.add(read());
          }
          return items;
        }
        default:
          throw new IllegalStateException("unexpected reply: " + line);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fields of one INFO section as name to value, e.g. "cmdstat_get" to "calls=1,usec=3,...". */
  public Map<String, String> info(String section) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (String line : string("INFO", section).split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        fields.put(line.substring(0, colon), line.substring(colon + 1));
      }
    }
    return fields;
  }

  private void writeLine(String line) throws IOException {
    out.write(line.getBytes(StandardCharsets.US_ASCII));
    out.write('\r');
    out.write('\n');
  }

  private String readLine() throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = in.read()) != '\r') {
      if (c < 0) {
        throw new IOException("connection closed");
      }
      line.append((char) c);
    }
    in.read(); // '\n'
    return line.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a measuring socket: nothing to do about a failure
    }
  }
}
