package io.chorus.transport;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Envelope;
import io.chorus.hub.Message;
import io.chorus.hub.Position;
import io.chorus.metrics.Where;
import io.chorus.session.Session;
import io.chorus.session.Transport;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.VoidChannelPromise;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One SSE stream's transport: a Netty handler behind Vert.x's HTTP codec, which writes each event as one chunk of
 * the response. A room's message is the connection's own {@code id:} line (its rooms' positions, {@link SseEventId})
 * in front of the event loop's shared encoding ({@link SseEventEncoding}); replies and notices of chorus.v1
 * (welcome, subscribed, gap) become events named by their type. The client cannot send on it: whatever else it
 * sends is dropped, and the session is never idle-timed-out, only kept alive by comments.
 *
 * <p>The output is bounded like a WebSocket's: past {@code max-pending-output} Netty reports the channel unwritable
 * and the session's slow-consumer policy decides. Only its event loop touches it.
 */
final class SseConnection extends ChannelDuplexHandler implements Transport {

  private static final byte[] KEEP_ALIVE = ": ping\n\n".getBytes(StandardCharsets.US_ASCII);

  private final SseEndpoint endpoint;
  private final boolean pathForm;
  private final boolean chunked;
  /** Each room's position as the client last learnt it, in the stream's order: the next event's id. */
  private final Map<String, Position> positions;
  /**
   * A one-room stream's last message when it is newer than {@link #positions}: its messages' ids are their own
   * positions, so they are written without touching the map, which catches up only when another event needs it.
   */
  private Envelope lastMessage;
  private Session session;
  private ChannelHandlerContext ctx;
  /** Where a one-room HTTP/1.1 stream writes whole chunks (below the HTTP encoder); null for other streams. */
  private ChannelHandlerContext chunkOutput;
  private ChannelPromise quietPromise;
  private boolean open = true;
  private Runnable onWritable;

  /**
   * @param positions the rooms, each at the position it resumes from (null: fresh)
   * @param chunked   whether the response is chunked (HTTP/1.1) rather than ended by the close (HTTP/1.0)
   */
  SseConnection(SseEndpoint endpoint, Map<String, Position> positions, boolean pathForm, boolean chunked) {
    this.endpoint = endpoint;
    this.positions = positions;
    this.pathForm = pathForm;
    this.chunked = chunked;
  }

  void serve(Session session) {
    this.session = session;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.quietPromise = new VoidChannelPromise(ctx.channel(), false);
    int bound = endpoint.maxPendingOutput();
    ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(bound / 2, bound));
  }

  /** The response head is written: the session starts, and events may flow. */
  void start() {
    if (pathForm && chunked) {
      chunkOutput = ctx.pipeline().context(Internals.HTTP_ENCODER);
    }
    session.start();
  }

  @Override
  public Write write(Message message) {
    Write state = state();
    if (state != Write.QUEUED) {
      return state;
    }
    Envelope envelope = message.envelope();
    if (chunkOutput != null) {
      chunkOutput.write(message.encodedAs(SseChunkEncoding.INSTANCE).retainedDuplicate(), quietPromise);
      lastMessage = envelope;
      return Write.QUEUED;
    }
    // The shared encoding first: when direct memory runs out there, nothing of this connection's is allocated yet.
    ByteBuf shared = message.encodedAs(SseEventEncoding.INSTANCE);
    positions.put(envelope.room(), new Position(envelope.epoch(), envelope.seq()));
    String id = idLine();
    ByteBuf idBytes = ctx.alloc().directBuffer(id.length()).writeBytes(id.getBytes(StandardCharsets.US_ASCII));
    ByteBuf event = ctx.alloc().compositeDirectBuffer(2)
        .addComponent(true, idBytes)
        .addComponent(true, shared.retainedDuplicate());
    ctx.write(event, quietPromise);
    return Write.QUEUED;
  }

  /**
   * A chorus.v1 text for this client: an event named by its {@code type}. A {@code subscribed} or {@code gap} moves
   * the room's position as a chorus.v1 client's would; an {@code error} (a room that cannot be joined now) ends the
   * stream, so that the browser reconnects and tries again rather than miss the room.
   */
  @Override
  public Write writeText(Message message) {
    Write state = state();
    if (state != Write.QUEUED) {
      return state;
    }
    String text = new String(message.envelope().payload(), StandardCharsets.UTF_8);
    JsonObject reply;
    try {
      reply = new JsonObject(text);
    } catch (DecodeException bug) {
      throw new IllegalStateException("chorus.v1 texts are JSON objects", bug);
    }
    String type = reply.getString("type");
    if (type.equals("error")) {
      close(CloseReason.INTERNAL_ERROR);
      return Write.CLOSED;
    }
    moveTo(type, reply);
    ByteBuf event = ctx.alloc().directBuffer(text.length() + 80);
    event.writeCharSequence(idLine() + "event: " + type + "\ndata: ", StandardCharsets.US_ASCII);
    event.writeCharSequence(text, StandardCharsets.UTF_8);
    event.writeByte('\n').writeByte('\n');
    ctx.write(event, quietPromise);
    return Write.QUEUED;
  }

  @Override
  public boolean writable() {
    return open && ctx.channel().isWritable();
  }

  @Override
  public void whenWritable(Runnable task) {
    onWritable = task;
  }

  @Override
  public void flush() {
    if (open) {
      ctx.flush();
    }
  }

  /** A comment line, which EventSource ignores: it keeps proxies from closing a quiet stream. */
  @Override
  public void ping() {
    if (open && ctx.channel().isWritable()) {
      ctx.writeAndFlush(ctx.alloc().directBuffer(KEEP_ALIVE.length).writeBytes(KEEP_ALIVE)).addListener(
          ChannelFutureListener.CLOSE_ON_FAILURE);
    }
  }

  /**
   * Ends the stream: the last chunk, then the TCP close, at once for a client that does not read (it would not read
   * the end either), else once written or after the close timeout.
   */
  @Override
  public void close(CloseReason reason) {
    if (!open) {
      return;
    }
    open = false;
    onWritable = null;
    endpoint.refusals().closed(reason, ctx.channel());
    session.stopServing();
    if (reason == CloseReason.SLOW_CONSUMER || !ctx.channel().isWritable()) {
      ctx.close();
      return;
    }
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(ChannelFutureListener.CLOSE);
    ctx.executor().schedule(() -> ctx.close(), endpoint.closeTimeoutNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean bidirectional() {
    return false;
  }

  /** The client has nothing to say on an SSE stream: further requests on the connection are dropped unread. */
  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ReferenceCountUtil.release(msg);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (onWritable != null && writable()) {
      Runnable task = onWritable;
      onWritable = null;
      task.run();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      endpoint.metrics().failures().report(Where.HTTP, cause);
    }
    open = false;
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    open = false;
    session.closed();
    endpoint.closed();
    ctx.fireChannelInactive();
  }

  private Write state() {
    if (!open) {
      return Write.CLOSED;
    }
    if (!ctx.channel().isWritable()) {
      return ctx.channel().isActive() ? Write.BACKED_UP : Write.CLOSED;
    }
    return Write.QUEUED;
  }

  private void moveTo(String type, JsonObject reply) {
    catchUp();
    String room = reply.getString("room");
    boolean moves = type.equals("gap") || type.equals("subscribed") && !reply.getBoolean("recovered", false);
    if (moves) {
      positions.put(room, new Position(reply.getString("epoch"), reply.getLong("seq")));
    }
  }

  /** Moves the one room's position to the last message written as a whole chunk, if any. */
  private void catchUp() {
    if (lastMessage != null) {
      positions.put(lastMessage.room(), new Position(lastMessage.epoch(), lastMessage.seq()));
      lastMessage = null;
    }
  }

  /** The event's id line, empty while no room has a position yet. */
  private String idLine() {
    catchUp();
    String id = SseEventId.format(positions, pathForm);
    return id.isEmpty() ? "" : "id: " + id + "\n";
  }
}
