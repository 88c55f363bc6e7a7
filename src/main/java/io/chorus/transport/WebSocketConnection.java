package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Encoding;
import io.chorus.hub.Message;
import io.chorus.metrics.Where;
import io.chorus.session.Session;
import io.chorus.session.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameEncoder;
import io.netty.util.ReferenceCountUtil;

import java.io.IOException;
import java.util.zip.DataFormatException;

/**
 * One WebSocket connection's transport, as the last Netty handler, behind the WebSocket decoder; Vert.x's HTTP
 * connection has left the pipeline, and its meters hear of the close from here. Frames in, frames out: it reassembles
 * and validates client messages (size, UTF-8) and hands them whole to its {@link Session}, answers pings, runs the
 * closing handshake, and writes the session's messages as pre-encoded frames that skip per-connection encoding.
 *
 * <p>Only its event loop touches it. Client frames never reach Vert.x, so Vert.x never buffers them, and the output
 * is bounded: past {@code max-pending-output} Netty reports the channel unwritable and the session's slow-consumer
 * policy decides, instead of a queue that would grow until the heap runs out. The bound holds for control frames
 * too: pings and pongs wait while the channel is unwritable, and only the close frame may pass it, once.
 *
 * <p>A connection that negotiated permessage-deflate gets room messages in a compressed encoding, and may send
 * compressed messages (RSV1 on their first frame), which it inflates within the message size limit.
 */
final class WebSocketConnection extends ChannelDuplexHandler implements Transport {

  /** RSV1 as Netty reports a frame's reserved bits: the permessage-deflate bit (RFC 7692 section 6). */
  private static final int RSV1 = 0b100;

  private final WebSocketEndpoint endpoint;
  /** How this connection's protocol shows a room's messages. */
  private final Encoding roomMessages;
  private final ControlFrames controlFrames = new ControlFrames();
  private final IncompleteInput input;
  private Session session;
  private ChannelHandlerContext ctx;
  private ChannelPromise quietPromise;
  /**
   * Netty's outbound buffer of the channel, held from the start: reached through the context, its writability costs
   * four more loads per delivery from objects a broadcast finds out of the cache. Netty drops it from the channel
   * when the channel closes: a message queued in the moment before the session hears of the close is then released
   * unsent, as one queued just before the close would be.
   */
  private ChannelOutboundBuffer nettyOutput;
  /** Writes room messages to the socket around Netty's outbound buffer; null when they must pass through Netty. */
  private SocketOutput socketOutput;
  private ClosingHandshake closing;
  private FragmentedMessage fragmented;
  /** What waits for the output to drain below its bound; null when nothing does. */
  private Runnable onWritable;
  /** What permessage-deflate the client agreed to; null when none. */
  private final PerMessageDeflate deflate;
  /** Vert.x's meter of the HTTP connection this was, told of the close; null when Vert.x's metrics are off. */
  private final Internals.HttpConnectionMeter vertxMeter;

  /**
   * @param deflate    the permessage-deflate agreed with the client, or null
   * @param vertxMeter Vert.x's meter of the HTTP connection taken out of the pipeline, or null
   */
  WebSocketConnection(WebSocketEndpoint endpoint, Encoding roomMessages, PerMessageDeflate deflate,
      Internals.HttpConnectionMeter vertxMeter) {
    this.endpoint = endpoint;
    this.roomMessages = roomMessages;
    this.deflate = deflate;
    this.vertxMeter = vertxMeter;
    this.input = endpoint.incompleteInputs().open(this::drop);
  }

  /** What this connection holds of messages not yet complete: its decoder reports the partial frame into it. */
  IncompleteInput input() {
    return input;
  }

  /** The session this connection carries; set once, before the handler joins the pipeline. */
  void serve(Session session) {
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.quietPromise = new VoidChannelPromise(ctx.channel(), false);
    this.closing = new ClosingHandshake(ctx, endpoint.closeTimeoutNanos());
    ctx.channel().config().setWriteBufferWaterMark(endpoint.outputBound());
  }

  /**
   * The 101 is written: the session starts, and messages may flow. Every frame this connection writes is encoded
   * already (room messages by their {@link Encoding}, control frames by {@link ControlFrames}), so Netty's WebSocket
   * encoder, which the handshaker put in the pipeline, leaves it; frames go from this handler's context to what
   * lies below (TLS, if any).
   */
  void start() {
    ctx.pipeline().remove(WebSocketFrameEncoder.class);
    if (!ctx.channel().isActive()) {
      // Closed since the 101 went out: the session, never started, hears of the close from channelInactive.
      return;
    }
    this.nettyOutput = ctx.channel().unsafe().outboundBuffer();
    this.socketOutput = SocketOutput.of(ctx, quietPromise, nettyOutput, endpoint);
    session.start();
  }

  @Override
  public Write write(Message message) {
    return writeAs(message, roomMessages);
  }

  @Override
  public Write writeText(Message message) {
    return writeAs(message, WebSocketFrameEncoding.INSTANCE);
  }

  private Write writeAs(Message message, Encoding encoding) {
    if (!closing.isOpen()) {
      return Write.CLOSED;
    }
    if (!nettyOutput.isWritable()) {
      // A connection that is gone, and about to leave its rooms, is not a slow one.
      return ctx.channel().isActive() ? Write.BACKED_UP : Write.CLOSED;
    }
    ByteBuf frame = message.encodedAs(encoding);
    if (endpoint.compressing()) {
      endpoint.wroteFrame(frame);
    }
    if (socketOutput != null) {
      socketOutput.add(frame);
    } else {
      ctx.write(frame.retainedDuplicate(), quietPromise);
    }
    return Write.QUEUED;
  }

  @Override
  public boolean writable() {
    return closing.isOpen() && ctx.channel().isWritable();
  }

  @Override
  public void whenWritable(Runnable task) {
    onWritable = task;
  }

  @Override
  public void flush() {
    if (socketOutput != null) {
      socketOutput.flush();
    } else if (!closing.isClosed()) {
      ctx.flush();
    }
  }

  /** A WebSocket ping; the client's pong, like any frame from it, counts as hearing from it. */
  @Override
  public void ping() {
    if (closing.isOpen() && ctx.channel().isWritable()) {
      closing.closeOnFailure(ctx.writeAndFlush(ControlFrames.ping()));
    }
  }

  /** Starts the closing handshake; the TCP connection closes when the client answers, or after the close timeout. */
  @Override
  public void close(CloseReason reason) {
    closeWith(reason, ClosingHandshake.Then.AWAIT_ANSWER);
  }

  @Override
  public boolean bidirectional() {
    return true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      // The rest of the upgrade request (its empty last content), for no one.
      ReferenceCountUtil.release(msg);
      return;
    }
    session.heard();
    try {
      boolean data = frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame;
      if (frame.rsv() != 0 && (deflate == null || frame.rsv() != RSV1 || !data)) {
        // Only a negotiated extension may set reserved bits; permessage-deflate only RSV1 on a message's first frame.
        abort(CloseReason.PROTOCOL_ERROR);
      } else if (data) {
        onDataFrame(frame.content(), frame instanceof BinaryWebSocketFrame, frame.isFinalFragment(),
            frame.rsv() != 0);
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

  /**
   * The end of one read from the socket: what it left incomplete is counted against the node's budget, and the owed
   * pong answers every ping of the read at once.
   */
  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    input.settle(fragmented == null ? 0 : fragmented.capacity());
    sendOwedPong();
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    sendOwedPong();
    if (onWritable != null && writable()) {
      Runnable task = onWritable;
      onWritable = null;
      task.run();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof CorruptedWebSocketFrameException corrupted) {
      switch (corrupted.closeStatus().code()) {
        case 1009 -> refuse(CloseReason.MESSAGE_TOO_BIG);
        case 1007 -> refuse(CloseReason.INVALID_PAYLOAD);
        default -> abort(CloseReason.PROTOCOL_ERROR);
      }
    } else if (cause instanceof OutOfMemoryError) {
      endpoint.outOfDirectMemory(cause);
      closing.closeNow();
    } else if (cause instanceof IOException || cause instanceof DecoderException) {
      // The client's network or bytes (a reset, a broken pipe, a frame Netty could not decode): not a fault of ours.
      closing.closeNow();
    } else {
      endpoint.metrics().failures().report(Where.WEBSOCKET, cause);
      abort(CloseReason.INTERNAL_ERROR);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (socketOutput != null) {
      socketOutput.release();
    }
    closing.closed();
    input.release();
    session.closed();
    endpoint.closed(closing.closeCode());
    if (vertxMeter != null) {
      Internals.httpConnectionClosed(vertxMeter, ctx.channel());
    }
    ctx.fireChannelInactive();
  }

  private void onDataFrame(ByteBuf content, boolean binary, boolean last, boolean compressed) {
    if (!closing.isOpen()) {
      return;
    }
    if (last) {
      deliver(ByteBufUtil.getBytes(content), binary, compressed);
      return;
    }
    fragmented = new FragmentedMessage(binary, compressed, endpoint.maxMessageSize(), content.readableBytes());
    append(content);
  }

  private void onContinuationFrame(ByteBuf content, boolean last) {
    if (!closing.isOpen() || fragmented == null || !append(content) || !last) {
      return;
    }
    FragmentedMessage message = fragmented;
    fragmented = null;
    deliver(message.bytes(), message.binary(), message.compressed());
  }

  private boolean append(ByteBuf content) {
    if (fragmented.append(content)) {
      return true;
    }
    refuse(CloseReason.MESSAGE_TOO_BIG);
    return false;
  }

  private void deliver(byte[] received, boolean binary, boolean compressed) {
    input.messageCompleted();
    byte[] payload = compressed ? inflate(received) : received;
    if (payload == null) {
      return;
    }
    if (!binary && !Utf8.isValid(payload, payload.length)) {
      refuse(CloseReason.INVALID_PAYLOAD);
      return;
    }
    session.onMessage(payload, binary);
  }

  /** The message inflated, or null when it was refused: too big once inflated (1009), or not DEFLATE data (1002). */
  private byte[] inflate(byte[] compressed) {
    try {
      byte[] payload = endpoint.decompressor().inflate(compressed, endpoint.maxMessageSize());
      if (payload == null) {
        refuse(CloseReason.MESSAGE_TOO_BIG);
      }
      return payload;
    } catch (DataFormatException e) {
      abort(CloseReason.PROTOCOL_ERROR);
      return null;
    }
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
    closeWith(reason, ClosingHandshake.Then.CLOSE);
  }

  /**
   * Ends a connection whose client sent a message it may not (too big, not UTF-8) but may well be honest: it may
   * still be sending the rest, which is read and dropped until it closes too, or the close timeout.
   */
  private void refuse(CloseReason reason) {
    closeWith(reason, ClosingHandshake.Then.LINGER);
  }

  /**
   * Closes a connection that holds incomplete input the node cannot afford, or has held it too long. It reads nothing
   * more: what it holds stays as it is until the close frame is written and the TCP connection closes.
   */
  private void drop(CloseReason reason) {
    ctx.channel().config().setAutoRead(false);
    abort(reason);
  }

  private void closeWith(CloseReason reason, ClosingHandshake.Then then) {
    if (socketOutput != null) {
      // The close frame goes through Netty, and after every message the client was sent.
      socketOutput.handOver();
    }
    if (closing.begin(new CloseWebSocketFrame(reason.code(), reason.text()), then)) {
      endpoint.refusals().closed(reason, ctx.channel());
      stopServing();
    }
  }

  /** Once closing, a connection neither publishes, nor pongs, nor receives broadcasts. */
  private void stopServing() {
    fragmented = null;
    onWritable = null;
    controlFrames.forgive();
    session.stopServing();
  }
}
