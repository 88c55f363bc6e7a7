package io.chorus.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultPromise;
import io.netty.util.concurrent.GenericFutureListener;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.impl.HttpServerImpl;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.net.impl.ConnectionBase;
import io.vertx.core.net.impl.NetServerImpl;
import io.vertx.core.net.impl.VertxHandler;
import io.vertx.core.spi.metrics.NetworkMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;

import java.lang.reflect.Field;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Every place where Chorus reaches below the public APIs of Vert.x and Netty, in one class: the Netty channel under a
 * Vert.x HTTP connection, the listening socket under a Vert.x HTTP server, the event loop under a Vert.x context, the
 * names Vert.x gives its pipeline handlers, Vert.x's meter of a connection, the listeners of a Netty future, a Netty
 * buffer as a Vert.x buffer without a copy, and Netty's own count of direct memory. Chorus needs them to upgrade WebSockets below Vert.x's HTTP layer (and
 * take Vert.x's connection out of their pipeline), to time and refuse requests before Vert.x sees them, and to answer
 * plain HTTP on a TLS port before the TLS handler does. A Vert.x or Netty upgrade that renames or retypes any of these
 * fails {@code InternalsTest}, not production.
 */
public final class Internals {

  /** Vert.x's handler for an HTTP connection: the last one in its pipeline, which Chorus's handlers go before. */
  static final String HTTP_CONNECTION_HANDLER = "handler";
  /** Vert.x's HTTP/1.x response encoder: bytes written from its context go out as they are, unframed. */
  static final String HTTP_ENCODER = "httpEncoder";
  /** Vert.x's idle-timeout handler, present when the server has an idle timeout. */
  static final String IDLE_HANDLER = "idle";

  private static final Field PROMISE_LISTENER;
  private static final Field PROMISE_LISTENERS;
  private static final Field LISTENERS_ARRAY;
  private static final Field LISTENERS_SIZE;

  static {
    try {
      PROMISE_LISTENER = field(DefaultPromise.class, "listener");
      PROMISE_LISTENERS = field(DefaultPromise.class, "listeners");
      Class<?> holder = Class.forName("io.netty.util.concurrent.DefaultFutureListeners");
      LISTENERS_ARRAY = field(holder, "listeners");
      LISTENERS_SIZE = field(holder, "size");
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private Internals() {
  }

  /** The Netty channel of a Vert.x HTTP connection. */
  static Channel channel(HttpConnection connection) {
    return ((ConnectionBase) connection).channel();
  }

  /**
   * The listening socket of a listening Vert.x HTTP server. Servers that share a port share one socket, bound by the
   * first of them: each server's TCP server points to that one ({@code actualServer}), which keeps the socket as the
   * result of its bind.
   */
  @SuppressWarnings("unchecked")
  static Channel listeningChannel(HttpServer server) {
    try {
      Object tcpServer = field(HttpServerImpl.class, "tcpServer").get(server);
      Object boundServer = field(NetServerImpl.class, "actualServer").get(tcpServer);
      return ((Future<Channel>) field(NetServerImpl.class, "bindFuture").get(boundServer)).result();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Vert.x's HTTP server no longer keeps its listening socket where Chorus looks", e);
    }
  }

  private static Field field(Class<?> type, String name) throws NoSuchFieldException {
    Field field = type.getDeclaredField(name);
    field.setAccessible(true);
    return field;
  }

  /** Puts {@code handler} right before Vert.x's own handler of the connection: it sees every decoded request first. */
  static void addBeforeHttpConnection(Channel channel, String name, ChannelHandler handler) {
    channel.pipeline().addBefore(HTTP_CONNECTION_HANDLER, name, handler);
  }

  /**
   * Takes Vert.x's HTTP connection out of the pipeline of a connection Chorus has taken over. Left there, idle, it
   * only waits to hear of the close, and keeps about 540 bytes of objects per connection alive for that (the
   * connection, its handler and context, the initializer that made it, a write queue). What it would do at the close,
   * tell Vert.x's meters ({@code vertx_http_server_active_connections}) that the connection ended, is left to the
   * caller: {@link #httpConnectionClosed} with the meter returned here.
   *
   * <p>The channel's close future still held Vert.x promises (two per connection, 48 bytes: the HTTP connection's
   * close promise and one added before it), with nothing waiting on them once the connection is gone; they leave it
   * too, and the listeners that remain (Chorus's TCP budget, the server's channel group) are listed anew, in a
   * smaller array.
   *
   * @return Vert.x's meter of the connection, or null when Vert.x's metrics are off
   */
  static HttpConnectionMeter detachHttpConnection(ChannelPipeline pipeline) {
    ConnectionBase connection = (ConnectionBase) ((VertxHandler<?>) pipeline.remove(HTTP_CONNECTION_HANDLER))
        .getConnection();
    dropVertxClosePromises(pipeline.channel().closeFuture());
    NetworkMetrics<?> metrics = connection.metrics();
    return metrics instanceof TCPMetrics<?> tcp ? new HttpConnectionMeter(tcp, connection.metric()) : null;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void dropVertxClosePromises(ChannelFuture closeFuture) {
    List<GenericFutureListener<?>> kept = new ArrayList<>();
    for (GenericFutureListener<?> listener : closeListeners(closeFuture)) {
      closeFuture.removeListener((GenericFutureListener) listener);
      if (!(listener instanceof Future<?>)) {
        kept.add(listener);
      }
    }
    for (GenericFutureListener<?> listener : kept) {
      closeFuture.addListener((GenericFutureListener) listener);
    }
  }

  /** A copy of the listeners of a Netty future that has not completed: one, or several in a holder, or none. */
  static List<GenericFutureListener<?>> closeListeners(ChannelFuture future) {
    try {
      Object one = PROMISE_LISTENER.get(future);
      if (one != null) {
        return List.of((GenericFutureListener<?>) one);
      }
      Object several = PROMISE_LISTENERS.get(future);
      if (several == null) {
        return List.of();
      }
      GenericFutureListener<?>[] listeners = (GenericFutureListener<?>[]) LISTENERS_ARRAY.get(several);
      return List.copyOf(Arrays.asList(listeners).subList(0, (int) LISTENERS_SIZE.get(several)));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("Netty's promises no longer keep their listeners where Chorus looks", e);
    }
  }

  /** Vert.x's meter of one detached HTTP connection: what its server's meters know it by. */
  record HttpConnectionMeter(TCPMetrics<?> metrics, Object metric) {
  }

  /** Tells Vert.x's meters that a connection taken from it by {@link #detachHttpConnection} has closed. */
  @SuppressWarnings("unchecked")
  static void httpConnectionClosed(HttpConnectionMeter meter, Channel channel) {
    SocketAddress remote = channel.remoteAddress() instanceof InetSocketAddress address
        ? SocketAddress.inetSocketAddress(address)
        : null;
    ((TCPMetrics<Object>) meter.metrics()).disconnected(meter.metric(), remote);
  }

  /** Takes Vert.x's idle timeout off the connection, when it has one. */
  static void removeIdleTimeout(ChannelPipeline pipeline) {
    if (pipeline.get(IDLE_HANDLER) != null) {
      pipeline.remove(IDLE_HANDLER);
    }
  }

  /** The Netty event loop that runs a Vert.x event-loop context. */
  public static EventLoop eventLoop(Context context) {
    return ((ContextInternal) context).nettyEventLoop();
  }

  /** A Vert.x buffer over the same memory, without a copy; the Vert.x buffer takes over this reference. */
  static Buffer buffer(ByteBuf bytes) {
    return BufferInternal.buffer(bytes);
  }

  /** Direct memory Netty has allocated itself, counted against {@link #maxDirectMemory()}. */
  public static long usedDirectMemory() {
    return PlatformDependent.usedDirectMemory();
  }

  /** Netty's limit for the direct memory it allocates itself ({@code io.netty.maxDirectMemory}). */
  public static long maxDirectMemory() {
    return PlatformDependent.maxDirectMemory();
  }
}
