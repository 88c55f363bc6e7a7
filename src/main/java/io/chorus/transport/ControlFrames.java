package io.chorus.transport;

import io.chorus.security.RateLimit;
import io.chorus.security.RateLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;

/**
 * One connection's control frames: how many pings and pongs its client may send, and the pong it is owed.
 *
 * <p>A pong is owed, not written at once: RFC 6455 5.5.3 lets an endpoint answer only the latest of several pings,
 * so however many pings arrive while the output is backed up, the connection keeps one payload of at most 125 bytes
 * and sends it when the channel is writable again. Answering each ping on the spot let a client that never reads
 * grow the server's memory by the size of everything it sent.
 *
 * <p>The server's control frames leave as bytes encoded here: Netty's WebSocket encoder is not in a connection's
 * pipeline once its 101 is written (it would cost every connection a handler and its context, about 90 bytes, for
 * three kinds of frames of at most 127 bytes).
 */
final class ControlFrames {

  /**
   * Ten control frames a second on average, fifty at once. Browsers never ping; client libraries ping every 5 to
   * 30 seconds (Socket.IO 25 s, the {@code ws} heartbeat example 30 s), a few every second to measure round trips,
   * and every client answers the server's ping every {@code ping-interval}. Such clients stay far below the budget;
   * a flood is closed after a hundred frames (past the fifty of the burst, fifty more over budget), about 13 KB.
   */
  private static final RateLimit BUDGET = new RateLimit(10, 50);
  private static final int FIN = 0x80;
  private static final int OPCODE_CLOSE = 0x8;
  private static final int OPCODE_PING = 0x9;
  private static final int OPCODE_PONG = 0xA;
  /** RFC 6455 5.5: a control frame's payload is at most 125 bytes, so its length fits the header's first length. */
  private static final int MAX_PAYLOAD = 125;

  private final RateLimiter limiter = BUDGET.newLimiter();
  private byte[] owedPong;

  /**
   * Counts one control frame from the client against its budget.
   *
   * @return false once the client has gone past the budget: it must be closed
   */
  boolean admit(long nowNanos) {
    // Over the rate but within the burst of drops, a frame is still answered: owing one pong costs nothing more.
    return limiter.admit(nowNanos) != RateLimiter.Verdict.CLOSE;
  }

  /** A ping arrived: the owed pong now carries its payload, replacing any older one. */
  void owePong(ByteBuf pingPayload) {
    owedPong = ByteBufUtil.getBytes(pingPayload);
  }

  boolean owesPong() {
    return owedPong != null;
  }

  /** The owed pong as the bytes of its frame; it is no longer owed. */
  ByteBuf takePong() {
    ByteBuf pong = frame(OPCODE_PONG, owedPong.length).writeBytes(owedPong);
    owedPong = null;
    return pong;
  }

  /** A ping without payload, as the bytes of its frame. */
  static ByteBuf ping() {
    return frame(OPCODE_PING, 0);
  }

  /** {@code close} as the bytes of its frame (status code and reason, as Netty's frame holds them); releases it. */
  static ByteBuf encoded(CloseWebSocketFrame close) {
    try {
      ByteBuf payload = close.content();
      return frame(OPCODE_CLOSE, payload.readableBytes()).writeBytes(payload, payload.readerIndex(),
          payload.readableBytes());
    } finally {
      close.release();
    }
  }

  /**
   * An unmasked frame's header (FIN, opcode, length), in a buffer with room for its payload. On the heap: the
   * transport copies it to direct memory as it writes, and should that fail for want of direct memory, the write
   * fails and the connection closes (as when Netty's encoder allocated it), rather than the caller, such as the
   * heartbeat's tick over every connection, failing.
   */
  private static ByteBuf frame(int opcode, int payloadLength) {
    if (payloadLength > MAX_PAYLOAD) {
      throw new IllegalArgumentException("A control frame's payload is at most 125 bytes, not " + payloadLength);
    }
    return Unpooled.buffer(2 + payloadLength).writeByte(FIN | opcode).writeByte(payloadLength);
  }

  /** The connection is closing: no pong may follow a close frame. */
  void forgive() {
    owedPong = null;
  }
}
