package io.github.redismutex.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * A TCP proxy on a free loopback port in front of a Redis server, for network faults between a client and Redis:
 * hold all traffic (a partition that drops nothing but delivers nothing), hold one direction only, add latency to
 * every chunk, cut every connection, or cut only the connections that subscribed (the pub/sub connection).
 *
 * <p>Blocking sockets, two named daemon threads per connection ({@code tcp-proxy-<port>-<n>-up/down}) and one
 * acceptor; at most {@value #MAX_CONNECTIONS} connections at once (more are refused). A chunk read while its
 * direction is held waits in the pump until released, so nothing is lost, only late. {@link #close()} closes every
 * socket and stops every thread.
 */
public final class TcpProxy implements AutoCloseable {
  private static final int MAX_CONNECTIONS = 256;

  /** Which way bytes flow. */
  public enum Direction { TO_SERVER, TO_CLIENT }

  private final int targetPort;
  private final ServerSocket server;
  private final Thread acceptor;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final AtomicLong commandChunks = new AtomicLong();
  private final Object gate = new Object(); // guards the fault state below; pumps wait on it
  private boolean holdToServer;
  private boolean holdToClient;
  private boolean holdToSubscribers; // only towards the clients' pub/sub connections
  private long latencyMillis;
  private volatile boolean refusing; // new connections are closed at once, as if the server were unreachable
  private volatile boolean closed;

  private TcpProxy(int targetPort) {
    this.targetPort = targetPort;
    try {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    acceptor = new Thread(this::acceptLoop, "tcp-proxy-" + server.getLocalPort() + "-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** A proxy forwarding to 127.0.0.1:{@code targetPort}. */
  public static TcpProxy to(int targetPort) {
    return new TcpProxy(targetPort);
  }

  public int port() {
    return server.getLocalPort();
  }

  public String uri() {
    return "redis://127.0.0.1:" + port();
  }

  /** Traffic flows again, without added latency; held chunks are delivered; new connections are accepted. */
  public void pass() {
    refusing = false;
    synchronized (gate) {
      holdToServer = false;
      holdToClient = false;
      holdToSubscribers = false;
      latencyMillis = 0;
      gate.notifyAll();
    }
  }

  /** Holds every byte in both directions until {@link #pass()}: the peers see silence, not a closed connection. */
  public void holdAll() {
    hold(Direction.TO_SERVER);
    hold(Direction.TO_CLIENT);
  }

  /** Holds the bytes going one way until {@link #pass()}. */
  public void hold(Direction direction) {
    synchronized (gate) {
      if (direction == Direction.TO_SERVER) {
        holdToServer = true;
      } else {
        holdToClient = true;
      }
    }
  }

  /**
   * Holds what Redis sends to the connections that subscribed (messages, confirmations) until {@link #pass()}: the
   * client's pub/sub traffic lags while its commands and their answers flow.
   */
  public void holdSubscribers() {
    synchronized (gate) {
      holdToSubscribers = true;
    }
  }

  /** Chunks forwarded so far from clients to Redis on connections that never subscribed: their commands. */
  public long commandChunksToServer() {
    return commandChunks.get();
  }

  /** Delays every chunk in either direction by {@code latency} (each pump sleeps before it writes). */
  public void latency(Duration latency) {
    synchronized (gate) {
      latencyMillis = latency.toMillis();
      gate.notifyAll();
    }
  }

  /** Closes every current connection (both sides); new ones are accepted. Returns how many were cut. */
  public int cutAll() {
    return cut(connection -> true);
  }

  /**
   * A disconnect that lasts: closes every current connection and, until {@link #pass()}, every new one as soon as
   * it is accepted, so the client cannot reach Redis (its commands are rejected or fail). Returns how many were cut.
   */
  public int refuse() {
    refusing = true;
    return cutAll();
  }

  /** Closes the connections that have sent SUBSCRIBE: a client's pub/sub connection. Returns how many. */
  public int cutSubscribers() {
    return cut(connection -> connection.subscribed);
  }

  /**
   * Closes the connection whose socket towards the server has local port {@code port}: the port of the {@code addr}
   * that Redis lists for the client under {@code CLIENT LIST}. Returns 0 if no connection of this proxy has it.
   */
  public int cutServerSidePort(int port) {
    return cut(connection -> connection.toServer.getLocalPort() == port);
  }

  private int cut(Predicate<Connection> which) {
    int cut = 0;
    for (Connection connection : connections) {
      if (which.test(connection)) {
        connection.close();
        cut++;
      }
    }
    return cut;
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    List<Connection> open = new ArrayList<>(connections);
    open.forEach(Connection::close);
    synchronized (gate) {
      gate.notifyAll();
    }
    join(acceptor);
    for (Connection connection : open) {
      join(connection.up);
      join(connection.down);
    }
  }

  private static void join(Thread thread) {
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException(thread.getName() + " did not stop");
    }
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      if (refusing || connections.size() >= MAX_CONNECTIONS) {
        closeQuietly(client);
        continue;
      }
      try {
        Socket toServer = new Socket();
        toServer.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5_000);
        client.setTcpNoDelay(true);
        toServer.setTcpNoDelay(true);
        Connection connection = new Connection(client, toServer, connectionCount.incrementAndGet());
        connections.add(connection);
        connection.up.start();
        connection.down.start();
      } catch (IOException e) {
        closeQuietly(client); // the server is down: the client sees its connection refused, as it would directly
      }
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing to do
    }
  }

  /** One client connection and its twin towards the server, with a pump thread each way. */
  private final class Connection {
    final Socket fromClient;
    final Socket toServer;
    final Thread up;
    final Thread down;
    volatile boolean subscribed;

    Connection(Socket fromClient, Socket toServer, int number) {
      this.fromClient = fromClient;
      this.toServer = toServer;
      String name = "tcp-proxy-" + port() + "-" + number;
      up = new Thread(() -> pump(Direction.TO_SERVER), name + "-up");
      down = new Thread(() -> pump(Direction.TO_CLIENT), name + "-down");
      up.setDaemon(true);
      down.setDaemon(true);
    }

    private void pump(Direction direction) {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = (direction == Direction.TO_SERVER ? fromClient : toServer).getInputStream();
          OutputStream out = (direction == Direction.TO_SERVER ? toServer : fromClient).getOutputStream()) {
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
          if (direction == Direction.TO_SERVER && !subscribed) {
            // RESP carries command names as bulk strings; PSUBSCRIBE and SSUBSCRIBE contain it too
            subscribed = new String(buffer, 0, n, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT)
                .contains("SUBSCRIBE\r\n");
          }
          if (!awaitPassage(direction)) {
            return;
          }
          if (direction == Direction.TO_SERVER && !subscribed) {
            commandChunks.incrementAndGet();
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // cut, closed, or the peer went away
      } finally {
        close();
      }
    }

    /** Waits while the direction is held, then for the latency; false if the proxy or connection closed. */
    private boolean awaitPassage(Direction direction) {
      long latency;
      synchronized (gate) {
        while (!closed && !fromClient.isClosed()
            && (direction == Direction.TO_SERVER ? holdToServer : holdToClient || subscribed && holdToSubscribers)) {
          try {
            gate.wait(100); // timed: a cut closes the socket without notifying
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        latency = latencyMillis;
      }
      if (latency > 0) {
        try {
          Thread.sleep(latency); // the fault itself: latency added to every chunk
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
      return !closed && !fromClient.isClosed();
    }

    void close() {
      closeQuietly(fromClient);
      closeQuietly(toServer);
      connections.remove(this);
    }
  }
}
