package io.chorus.transport;

import io.chorus.security.RateLimit;
import io.chorus.security.RateLimiter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;

/**
 * One connection's control frames: how many pings and pongs its client may send, and the pong it is owed.
 *
 * <p>A pong is owed, not written at once: RFC 6455 5.5.3 lets an endpoint answer only the latest of several pings,
 * so however many pings arrive while the output is backed up, the connection keeps one payload of at most 125 bytes
 * and sends it when the channel is writable again. Answering each ping on the spot let a client that never reads
 * grow the server's memory by the size of everything it sent.
 */
final class ControlFrames {

  /**
   * Ten control frames a second on average, fifty at once. Browsers never ping; client libraries ping every 5 to
   * 30 seconds (Socket.IO 25 s, the {@code ws} heartbeat example 30 s), a few every second to measure round trips,
   * and every client answers the server's ping every {@code ping-interval}. Such clients stay far below the budget;
   * a flood is closed after a hundred frames (past the fifty of the burst, fifty more over budget), about 13 KB.
   */
  private static final RateLimit BUDGET = new RateLimit(10, 50);

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

  /** The owed pong, which is no longer owed. */
  PongWebSocketFrame takePong() {
    PongWebSocketFrame pong = new PongWebSocketFrame(Unpooled.wrappedBuffer(owedPong));
    owedPong = null;
    return pong;
  }

  /** The connection is closing: no pong may follow a close frame. */
  void forgive() {
    owedPong = null;
  }
}
