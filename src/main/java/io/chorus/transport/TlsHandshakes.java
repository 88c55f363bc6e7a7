package io.chorus.transport;

import io.chorus.security.ConnectionLimit;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.vertx.core.http.HttpServer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TLS connection from its accept to the end of its TLS handshake, held to the rules of a connection waiting for a
 * request: it takes its slot of the TCP budget at accept ({@link AcceptBudget}, on the listening socket from the
 * listen on), and its event loop's {@link HttpConnectionGuard} gives it the handshake timeout, counts it as a
 * {@code timeout} handshake when that runs out, and may shed it for a newcomer while the port is over its budget.
 * Vert.x hands Chorus a TLS connection only once its handshake is done: before, a few hundred sockets that send no
 * ClientHello, renewed at each timeout, would hold the whole budget and keep every newcomer out, unseen and uncounted.
 * Sits first on each connection of the port and leaves when the handshake is done ({@link #done}).
 */
final class TlsHandshakes extends ChannelInboundHandlerAdapter implements WaitingConnection {

  private static final String NAME = "chorus-tls-handshake";

  private final Map<EventLoop, HttpConnectionGuard> guards;
  private final long timeoutNanos;
  /** When the connection was accepted: the TLS handler's own timeout (a backstop) starts later. */
  private final long acceptedNanos = System.nanoTime();
  private ChannelHandlerContext ctx;
  /** The guard of the connection's event loop; null when it has none (the handshake is then Vert.x's alone). */
  private HttpConnectionGuard guard;

  private TlsHandshakes(Map<EventLoop, HttpConnectionGuard> guards, long timeoutNanos) {
    this.guards = guards;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * Holds every connection the server's port accepts from now on to the budget and to the guard of its event loop,
   * which is {@code eventLoop}'s for the connections this gateway serves: Vert.x registers a connection on the event
   * loop of the server that will serve it. Called by each gateway of the port once it listens.
   */
  static void install(HttpServer server, EventLoop eventLoop, HttpConnectionGuard guard, ConnectionLimit limit,
      Refusals refusals, long timeoutNanos) {
    Channel listening = Internals.listeningChannel(server);
    AcceptBudget.install(listening, limit, refusals);
    ChannelPipeline pipeline = listening.pipeline();
    synchronized (pipeline) {
      Acceptor acceptor = (Acceptor) pipeline.get(NAME);
      if (acceptor == null) {
        acceptor = new Acceptor(timeoutNanos);
        // After the budget: a connection closed over the TCP cap never gets here.
        pipeline.addAfter(AcceptBudget.NAME, NAME, acceptor);
      }
      acceptor.guards.put(eventLoop, guard);
    }
  }

  /**
   * The connection's TLS handshake is done (Vert.x hands it over as an HTTP connection): it no longer waits for it.
   *
   * @return whether it was held here, and so is already admitted to the budget
   */
  static boolean done(Channel channel) {
    ChannelHandler handshake = channel.pipeline().get(NAME);
    if (handshake == null) {
      return false;
    }
    channel.pipeline().remove(handshake);
    return ((TlsHandshakes) handshake).guard != null;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Registered on its event loop: its guard admits it (or closes it) and starts its clock. */
  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    guard = guards.get(ctx.channel().eventLoop());
    if (guard != null && guard.admit(ctx.channel())) {
      guard.watch(this, acceptedNanos);
    }
    ctx.fireChannelActive();
  }

  /** Closed before its handshake was done: by the guard, by Vert.x's own timeout, or by the client. */
  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (guard != null) {
      guard.forget(this);
      if (System.nanoTime() - acceptedNanos >= timeoutNanos) {
        guard.timedOut(ctx.channel());
      }
      guard = null;
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (guard != null) {
      guard.forget(this);
    }
  }

  @Override
  public boolean isOpen() {
    return ctx.channel().isOpen();
  }

  /** Closed; counted as a timeout when it closes. */
  @Override
  public void expire() {
    ctx.close();
  }

  @Override
  public void shed() {
    ctx.close();
  }

  /** On the listening socket: puts a handshake clock first on each accepted connection, ahead of what Vert.x adds. */
  @ChannelHandler.Sharable
  private static final class Acceptor extends ChannelInboundHandlerAdapter {

    /** Each gateway's guard, by its event loop; filled as the gateways listen. */
    private final Map<EventLoop, HttpConnectionGuard> guards = new ConcurrentHashMap<>();
    private final long timeoutNanos;

    Acceptor(long timeoutNanos) {
      this.timeoutNanos = timeoutNanos;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
      ((Channel) accepted).pipeline().addFirst(NAME, new TlsHandshakes(guards, timeoutNanos));
      ctx.fireChannelRead(accepted);
    }
  }
}
