package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Connection;
import io.chorus.hub.Membership;
import io.chorus.hub.OutboundMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket connection, as a Netty handler placed in front of Vert.x's own WebSocket handler once the handshake
 * is done. Vert.x handles HTTP, the upgrade and the connection's lifecycle; this class handles every frame:
 * it reassembles and validates client messages and publishes them, answers pings, runs the closing handshake, and
 * writes broadcasts as pre-encoded frames that skip per-connection encoding.
 *
 * <p>Only its event loop touches it. Client frames never reach Vert.x, so Vert.x never buffers them.
 */
final class WebSocketConnection extends ChannelDuplexHandler implements Connection {

  private enum State { OPEN, CLOSING, CLOSED }

  private final WebSocketEndpoint endpoint;
  private final String room;
  int slot = -1;
  private ChannelHandlerContext ctx;
  private ChannelPromise quietPromise;
  private Membership membership;
  private State state = State.OPEN;
  /** The close code sent or received first; 1006 ("abnormal closure") while there is none. */
  private int closeCode = 1006;
  private ScheduledFuture<?> closeTimer;
  private byte[] fragments;
  private int fragmentsLength;
  private boolean fragmentsBinary;

  WebSocketConnection(WebSocketEndpoint endpoint, String room) {
    this.endpoint = endpoint;
    this.room = room;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.quietPromise = new VoidChannelPromise(ctx.channel(), false);
  }

  /** Joins the room; the welcome message goes out once broadcasts can reach this connection. */
  void join(Membership membership, OutboundMessage welcome) {
    this.membership = membership;
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
    ctx.write(message.webSocketFrame().retainedDuplicate(), quietPromise);
    return true;
  }

  @Override
  public void flush() {
    if (state != State.CLOSED) {
      ctx.flush();
    }
  }

  /** Starts the closing handshake; the TCP connection closes when the client answers, or after a timeout. */
  @Override
  public void close(CloseReason reason) {
    if (state != State.OPEN) {
      return;
    }
    beginClosing(reason.code());
    ctx.writeAndFlush(new CloseWebSocketFrame(reason.code(), reason.text()), quietPromise);
    closeTimer = ctx.executor().schedule(this::closeNow, endpoint.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ctx.fireChannelRead(msg);
      return;
    }
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
    fragments = new byte[Math.max(content.readableBytes(), 256)];
    fragmentsLength = 0;
    fragmentsBinary = binary;
    append(content);
  }

  private void onContinuationFrame(ByteBuf content, boolean last) {
    if (state != State.OPEN || fragments == null) {
      return;
    }
    if (!append(content) || !last) {
      return;
    }
    byte[] message = fragments.length == fragmentsLength ? fragments : Arrays.copyOf(fragments, fragmentsLength);
    fragments = null;
    publish(message, fragmentsBinary);
  }

  private boolean append(ByteBuf content) {
    int length = content.readableBytes();
    if (fragmentsLength + length > endpoint.maxMessageSize()) {
      fragments = null;
      abort(CloseReason.MESSAGE_TOO_BIG);
      return false;
    }
    if (fragmentsLength + length > fragments.length) {
      fragments = Arrays.copyOf(fragments, Math.min(endpoint.maxMessageSize(),
          Math.max(fragments.length * 2, fragmentsLength + length)));
    }
    content.getBytes(content.readerIndex(), fragments, fragmentsLength, length);
    fragmentsLength += length;
    return true;
  }

  private void publish(byte[] payload, boolean binary) {
    if (!binary && !Utf8.isValid(payload, payload.length)) {
      abort(CloseReason.INVALID_PAYLOAD);
      return;
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
    closeTimer = ctx.executor().schedule(this::closeNow, endpoint.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void beginClosing(int code) {
    state = State.CLOSING;
    closeCode = code;
    fragments = null;
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
