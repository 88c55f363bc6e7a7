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
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
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
 * decides, instead of a queue that would grow until the heap runs out.
 */
final class WebSocketConnection extends ChannelDuplexHandler implements Connection {

  private enum State { OPEN, CLOSING, CLOSED }

  private final WebSocketEndpoint endpoint;
  private final String room;
  private final RateLimiter rateLimiter;
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
    if (state != State.OPEN) {
      return;
    }
    beginClosing(reason.code());
    ctx.writeAndFlush(new CloseWebSocketFrame(reason.code(), reason.text()), quietPromise);
    closeTimer = ctx.executor().schedule(this::closeNow, endpoint.closeTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  /** Called every tick of the event loop's heartbeat: pings when due, closes when the client has gone silent. */
  void heartbeat(long now) {
    if (state != State.OPEN) {
      return;
    }
    if (now - lastHeardNanos > endpoint.idleTimeoutNanos()) {
      close(CloseReason.IDLE_TIMEOUT);
    } else if (now - lastPingNanos >= endpoint.pingIntervalNanos()) {
      lastPingNanos = now;
      ctx.writeAndFlush(new PingWebSocketFrame(), quietPromise);
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
      } else if (frame instanceof PingWebSocketFrame) {
        ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()), quietPromise);
      } else if (frame instanceof CloseWebSocketFrame close) {
        onCloseFrame(close);
      }
    } finally {
      frame.release();
    }
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

  private void onCloseFrame(CloseWebSocketFrame frame) {
    if (state == State.OPEN) {
      int code = frame.statusCode();
      beginClosing(code < 0 ? 1005 : code);
      CloseWebSocketFrame answer = code < 0 ? new CloseWebSocketFrame() : new CloseWebSocketFrame(code, null);
      ctx.writeAndFlush(answer).addListener(written -> closeNow());
    } else {
      closeNow();
    }
  }

  /** Ends a connection whose client broke the protocol: close frame, then TCP close without waiting for an answer. */
  private void abort(CloseReason reason) {
    if (state != State.OPEN) {
      return;
    }
    beginClosing(reason.code());
    ctx.writeAndFlush(new CloseWebSocketFrame(reason.code(), reason.text())).addListener(written -> closeNow());
    closeTimer = ctx.executor().schedule(this::closeNow, endpoint.closeTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  private void beginClosing(int code) {
    state = State.CLOSING;
    closeCode = code;
    fragmented = null;
    leaveRoom();
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
