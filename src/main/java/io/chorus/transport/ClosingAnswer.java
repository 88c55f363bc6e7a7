package io.chorus.transport;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** The short plain-text answer Chorus gives a request it refuses, and the end of the connection that follows it. */
final class ClosingAnswer {

  /**
   * How long a lingering close waits for the client to close, counted from the answer: as nginx's
   * {@code lingering_timeout} (5 s). Long enough for a client's pipelined requests or body to arrive and be dropped;
   * a client still sending after that is not reading the answer either, and is cut off.
   */
  private static final long LINGER_SECONDS = 5;

  private ClosingAnswer() {
  }

  /**
   * Answers with the status and its one-line reason through the HTTP encoder, then ends the connection with a
   * {@link #linger lingering close}. A write that fails (the encoder midway through another response) closes at once.
   *
   * @param header an extra header to send, or null
   */
  static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, CharSequence header,
      String value) {
    ctx.writeAndFlush(response(status, reason, header, value)).addListener(written -> {
      if (written.isSuccess()) {
        linger(ctx);
      } else {
        ctx.close();
      }
    });
  }

  /**
   * Ends the connection as nginx and Apache do: the client may still be sending (pipelined requests, a body), and
   * closing with unread bytes sends a reset that can destroy the last answer before the client reads it. So the
   * server only shuts its side, and the caller discards what comes until the client closes, or
   * {@link #LINGER_SECONDS} pass, or the connection's own timeout closes it.
   */
  static void linger(ChannelHandlerContext ctx) {
    if (!(ctx.channel() instanceof DuplexChannel duplex)) {
      ctx.close();
      return;
    }
    ctx.channel().config().setAutoRead(true);
    duplex.shutdownOutput();
    ScheduledFuture<?> bound = ctx.executor().schedule(() -> ctx.close(), LINGER_SECONDS, TimeUnit.SECONDS);
    ctx.channel().closeFuture().addListener(closed -> bound.cancel(false));
  }

  /** The answer: {@code Connection: close}, and the reason as a plain-text body. */
  static FullHttpResponse response(HttpResponseStatus status, String reason, CharSequence header, String value) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
        Unpooled.copiedBuffer(reason + "\n", StandardCharsets.UTF_8));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (header != null) {
      response.headers().set(header, value);
    }
    return response;
  }
}
