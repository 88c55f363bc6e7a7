package io.chorus.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Slow clients, as a slowloris attack runs them: each connection sends the start of its requests at once, then the
 * rest one byte per period, on one thread for all of them, and keeps what the server answers. A connection counts
 * as closed once the server has ended it (end of stream or reset).
 */
public final class Trickler implements AutoCloseable {

  /** One slow connection: what it has still to send and what it has received. */
  public static final class Connection {
    private final SocketChannel channel;
    private final ByteBuffer rest;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean closed;

    private Connection(SocketChannel channel, byte[] rest) {
      this.channel = channel;
      this.rest = ByteBuffer.wrap(rest);
    }

    /** What the server sent so far, as text. */
    public synchronized String received() {
      return received.toString(StandardCharsets.ISO_8859_1);
    }

    public synchronized boolean isClosed() {
      return closed;
    }

    private synchronized void step() {
      if (closed) {
        return;
      }
      try {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        int read;
        while ((read = channel.read(buffer)) > 0) {
          received.write(buffer.array(), 0, read);
          buffer.clear();
        }
        if (read < 0) {
          closed = true;
        } else if (rest.hasRemaining()) {
          channel.write(ByteBuffer.wrap(new byte[] {rest.get()}));
        }
      } catch (IOException reset) {
        closed = true;
      }
    }
  }

  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  private final List<Connection> connections = new ArrayList<>();

  /** Trickles one byte of every connection's rest per {@code period}. */
  public Trickler(Duration period) {
    thread.scheduleAtFixedRate(this::step, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Connects, sends {@code start} at once, and {@code rest} one byte per period. */
  public Connection open(int port, String start, String rest) throws IOException {
    SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
    channel.write(ByteBuffer.wrap(start.getBytes(StandardCharsets.US_ASCII)));
    channel.configureBlocking(false);
    Connection connection = new Connection(channel, rest.getBytes(StandardCharsets.US_ASCII));
    synchronized (connections) {
      connections.add(connection);
    }
    return connection;
  }

  /** Every connection opened so far. */
  public List<Connection> connections() {
    synchronized (connections) {
      return List.copyOf(connections);
    }
  }

  public long closedCount() {
    return connections().stream().filter(Connection::isClosed).count();
  }

  private void step() {
    for (Connection connection : connections()) {
      connection.step();
    }
  }

  @Override
  public void close() throws Exception {
    thread.shutdownNow();
    thread.awaitTermination(10, TimeUnit.SECONDS);
    for (Connection connection : connections()) {
      connection.channel.close();
    }
  }
}
