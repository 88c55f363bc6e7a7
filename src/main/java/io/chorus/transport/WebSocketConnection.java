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
import io.netty.channel.ChannelFuture;
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
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

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

  private enum State { OPEN, CLOSING, CLOSED }

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
  private State state = State.OPEN;
  /** The close code sent or received first; 1006 ("abnormal closure") while there is none. */
  private int closeCode = 1006;
  private ScheduledFuture<?> closeTimer;
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
    if (state != State.OPEN) {
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
    if (state != State.CLOSED) {
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
    if (state != State.OPEN) {
      return;
    }
    if (now - lastHeardNanos > endpoint.idleTimeoutNanos()) {
      close(CloseReason.IDLE_TIMEOUT);
    } else if (now - lastPingNanos >= endpoint.pingIntervalNanos()) {
      lastPingNanos = now;
      if (ctx.channel().isWritable()) {
        closeOnFailure(ctx.writeAndFlush(new PingWebSocketFrame()));
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

  /**
   * Netty's decoder has already refused malformed frames and most codes a client must not send; it accepts codes
   * from 5000 up, and 32768 and up read as negative. RFC 6455 7.4 leaves clients 1000-1003, 1007-1014 (1012-1014
   * registered with IANA since) and 3000-4999.
   */
  private static boolean isSendableCloseCode(int code) {
    return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999;
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
      closeNow();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    state = State.CLOSED;
    if (closeTimer != null) {
      closeTimer.cancel(false);
    }
    leaveRoom();
    endpoint.forget(this, closeCode);
    ctx.fireChannelInactive();
  }

  private void onDataFrame(ByteBuf content, boolean binary, boolean last) {
    if (state != State.OPEN) {
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
    if (state != State.OPEN || fragmented == null || !append(content) || !last) {
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
    if (state != State.OPEN) {
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
    if (state == State.OPEN && controlFrames.owesPong() && ctx.channel().isWritable()) {
      closeOnFailure(ctx.writeAndFlush(controlFrames.takePong()));
    }
  }

  /** The client's close frame: echoed with its code (or with none), then the TCP connection closes. */
  private void onCloseFrame(CloseWebSocketFrame frame) {
    if (state != State.OPEN) {
      closeNow();
      return;
    }
    int code = frame.statusCode();
    if (code < 0) {
      closeWith(new CloseWebSocketFrame(), true);
    } else if (isSendableCloseCode(code)) {
      closeWith(new CloseWebSocketFrame(code, null), true);
    } else {
      abort(CloseReason.PROTOCOL_ERROR);
    }
  }

  /** Ends a connection whose client broke the protocol: close frame, then TCP close without waiting for an answer. */
  private void abort(CloseReason reason) {
    closeWith(new CloseWebSocketFrame(reason.code(), reason.text()), true);
  }

  /**
   * The one way a connection starts closing, whoever began it: it leaves its room, sends {@code frame} past the
   * output bound (queued behind what is pending), and the TCP connection closes at the latest after the close
   * timeout. A client that never reads never takes the close frame, so only the timer ends such a connection.
   *
   * @param closeOnceWritten close the TCP connection as soon as the frame is written, not waiting for an answer
   */
  private void closeWith(CloseWebSocketFrame frame, boolean closeOnceWritten) {
    if (state != State.OPEN) {
      frame.release();
      return;
    }
    state = State.CLOSING;
    int code = frame.statusCode();
    closeCode = code < 0 ? 1005 : code;
    fragmented = null;
    controlFrames.forgive();
    leaveRoom();
    closeTimer = ctx.executor().schedule(this::closeNow, endpoint.closeTimeoutNanos(), TimeUnit.NANOSECONDS);
    ctx.writeAndFlush(frame).addListener(written -> {
      if (closeOnceWritten || !written.isSuccess()) {
        closeNow();
      }
    });
  }

  /**
   * A control frame that could not be written, most likely because direct memory ran out, ends the connection at
   * once: it frees what the connection holds, and the event loop goes on with the others.
   */
  private void closeOnFailure(ChannelFuture write) {
    write.addListener(written -> {
      if (!written.isSuccess()) {
        closeNow();
      }
    });
  }

  private void leaveRoom() {
    if (membership != null) {
      membership.leave();
    }
  }

  /** Closes the TCP connection from this handler, below Vert.x's own close handling, which would wait for a handshake. */
  private void closeNow() {
    ctx.close();
  }
}
