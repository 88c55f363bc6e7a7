package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Connection;
import io.chorus.hub.Membership;
import io.chorus.hub.OutboundMessage;
import io.chorus.metrics.Drop;
import io.chorus.security.RateLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;

/**
 * One WebSocket connection, as a Netty handler behind the WebSocket codec and in front of Vert.x's (now idle) HTTP
 * connection, which only hears of the close. Vert.x accepts the connection and serves plain HTTP; the upgrade and
 * every frame are Chorus's:
 * it reassembles, validates and rate-limits client messages and publishes them, answers pings, runs the closing
 * handshake, and writes broadcasts as pre-encoded frames that skip per-connection encoding.
 *
 * <p>Only its event loop touches it. Client frames never reach Vert.x, so Vert.x never buffers them, and the output
 * is bounded: past {@code max-pending-output} Netty reports the channel unwritable and the slow-consumer policy
 * decides, instead of a queue that would grow until the heap runs out. The bound holds for control frames too:
 * pings and pongs wait while the channel is unwritable, and only the close frame may pass it, once.
 */
final class WebSocketConnection extends ChannelDuplexHandler implements Connection {

  private final WebSocketEndpoint endpoint;
  private final String room;
  private final RateLimiter rateLimiter;
  private final ControlFrames controlFrames = new ControlFrames();
  int slot = -1;
  private ChannelHandlerContext ctx;
  private ChannelPromise quietPromise;
  /**
   * Where broadcasts enter the pipeline: the WebSocket encoder's own context, so that pre-encoded frames skip the
   * encoder but still pass anything below it (such as TLS), and each write and flush walks one handler less.
   */
  private ChannelHandlerContext frameOutput;
  private Membership membership;
  private ClosingHandshake closing;
  private FragmentedMessage fragmented;
  private long lastHeardNanos;
  private long lastPingNanos;

  /** @param rateLimiter this connection's limiter, or null when there is no rate limit */
  WebSocketConnection(WebSocketEndpoint endpoint, String room, RateLimiter rateLimiter) {
    this.endpoint = endpoint;
    this.room = room;
    this.rateLimiter = rateLimiter;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.quietPromise = new VoidChannelPromise(ctx.channel(), false);
    this.closing = new ClosingHandshake(ctx, endpoint.closeTimeoutNanos());
    int bound = endpoint.maxPendingOutput();
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(bound / 2, bound));
    lastHeardNanos = endpoint.now();
    lastPingNanos = lastHeardNanos;
  }

  /** Joins the room; the welcome message goes out once broadcasts can reach this connection. */
  void join(Membership membership, OutboundMessage welcome) {
    this.membership = membership;
    this.frameOutput = ctx.pipeline().context(WebSocketFrameEncoder.class);
    membership.ready().onComplete(joined -> {
      if (joined.failed()) {
        close(CloseReason.INTERNAL_ERROR);
      } else if (send(welcome)) {
        flush();
      }
    });
  }

  @Override
  public boolean send(OutboundMessage message) {
    if (!closing.isOpen()) {
      return false;
    }
    if (!ctx.channel().isWritable()) {
      if (!ctx.channel().isActive()) {
        // Closed, and about to leave the room: a connection that is gone is not a slow one.
        return false;
      }
      endpoint.metrics().dropped(Drop.SLOW_CONSUMER, 1);
      if (endpoint.disconnectsSlowConsumers()) {
        close(CloseReason.SLOW_CONSUMER);
      }
      return false;
    }
    frameOutput.write(message.webSocketFrame().retainedDuplicate(), quietPromise);
    return true;
  }

  @Override
  public void flush() {
    if (!closing.isClosed()) {
      frameOutput.flush();
    }
  }

  /** Starts the closing handshake; the TCP connection closes when the client answers, or after the close timeout. */
  @Override
  public void close(CloseReason reason) {
    closeWith(new CloseWebSocketFrame(reason.code(), reason.text()), false);
  }

  /**
   * Called every tick of the event loop's heartbeat: pings when due, closes when the client has gone silent. A
   * client whose output is backed up is not pinged: it is not reading, and only hearing from it counts.
   */
  void heartbeat(long now) {
    if (!closing.isOpen()) {
      return;
    }
    if (now - lastHeardNanos > endpoint.idleTimeoutNanos()) {
      close(CloseReason.IDLE_TIMEOUT);
    } else if (now - lastPingNanos >= endpoint.pingIntervalNanos()) {
      lastPingNanos = now;
      if (ctx.channel().isWritable()) {
        closing.closeOnFailure(ctx.writeAndFlush(new PingWebSocketFrame()));
      }
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      // The rest of the upgrade request (its empty last content): Vert.x's HTTP connection must not see it.
      ReferenceCountUtil.release(msg);
      return;
    }
    lastHeardNanos = endpoint.now();
    try {
      if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
        onDataFrame(frame.content(), frame instanceof BinaryWebSocketFrame, frame.isFinalFragment());
      } else if (frame instanceof ContinuationWebSocketFrame) {
        onContinuationFrame(frame.content(), frame.isFinalFragment());
      } else if (frame instanceof CloseWebSocketFrame close) {
        onCloseFrame(close);
      } else {
        onPingOrPong(frame);
      }
    } finally {
      frame.release();
    }
  }

  /** The end of one read from the socket: the owed pong answers every ping of the read at once. */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    sendOwedPong();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    sendOwedPong();
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      abort(switch (corrupted.closeStatus().code()) {
        case 1009 -> CloseReason.MESSAGE_TOO_BIG;
        case 1007 -> CloseReason.INVALID_PAYLOAD;
        default -> CloseReason.PROTOCOL_ERROR;
      });
    } else {
      if (cause instanceof OutOfMemoryError) {
        endpoint.outOfDirectMemory(cause);
      }
      closing.closeNow();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing.closed();
    leaveRoom();
    endpoint.forget(this, closing.closeCode());
    ctx.fireChannelInactive();
  }

  private void onDataFrame(ByteBuf content, boolean binary, boolean last) {
    if (!closing.isOpen()) {
      return;
    }
    if (last) {
      publish(ByteBufUtil.getBytes(content), binary);
      return;
    }
    fragmented = new FragmentedMessage(binary, endpoint.maxMessageSize(), content.readableBytes());
    append(content);
  }

  private void onContinuationFrame(ByteBuf content, boolean last) {
    if (!closing.isOpen() || fragmented == null || !append(content) || !last) {
      return;
    }
    FragmentedMessage message = fragmented;
    fragmented = null;
    publish(message.bytes(), message.binary());
  }

  private boolean append(ByteBuf content) {
    if (fragmented.append(content)) {
      return true;
    }
    abort(CloseReason.MESSAGE_TOO_BIG);
    return false;
  }

  private void publish(byte[] payload, boolean binary) {
    if (!binary && !Utf8.isValid(payload, payload.length)) {
      abort(CloseReason.INVALID_PAYLOAD);
      return;
    }
    if (rateLimiter != null) {
      switch (rateLimiter.admit(System.nanoTime())) {
        case DROP -> {
          endpoint.metrics().dropped(Drop.RATE_LIMIT, 1);
          return;
        }
        case CLOSE -> {
          endpoint.metrics().dropped(Drop.RATE_LIMIT, 1);
          close(CloseReason.RATE_LIMITED);
          return;
        }
        case ACCEPT -> { }
      }
    }
    endpoint.hub().publish(room, payload, binary);
  }

  private void onPingOrPong(WebSocketFrame frame) {
    if (!closing.isOpen()) {
      return;
    }
    if (!controlFrames.admit(System.nanoTime())) {
      // A flood is abuse, not a mistake: no closing handshake to wait for while the client keeps sending.
      abort(CloseReason.CONTROL_FLOOD);
    } else if (frame instanceof PingWebSocketFrame) {
      controlFrames.owePong(frame.content());
    }
  }

  /** Writes the owed pong, if any, unless the output is over its bound: then it waits for the channel to drain. */
  private void sendOwedPong() {
    if (closing.isOpen() && controlFrames.owesPong() && ctx.channel().isWritable()) {
      closing.closeOnFailure(ctx.writeAndFlush(controlFrames.takePong()));
    }
  }

  /** The client's close frame: echoed (or refused with 1002), then the TCP connection closes. */
  private void onCloseFrame(CloseWebSocketFrame frame) {
    if (closing.clientClosed(frame)) {
      stopServing();
    }
  }

  /** Ends a connection whose client broke the protocol: close frame, then TCP close without waiting for an answer. */
  private void abort(CloseReason reason) {
    closeWith(new CloseWebSocketFrame(reason.code(), reason.text()), true);
  }

  private void closeWith(CloseWebSocketFrame frame, boolean closeOnceWritten) {
    if (closing.begin(frame, closeOnceWritten)) {
      stopServing();
    }
  }

  /** Once closing, a connection neither publishes, nor pongs, nor receives broadcasts. */
  private void stopServing() {
    fragmented = null;
    controlFrames.forgive();
    leaveRoom();
  }

  private void leaveRoom() {
    if (membership != null) {
      membership.leave();
    }
  }
}
