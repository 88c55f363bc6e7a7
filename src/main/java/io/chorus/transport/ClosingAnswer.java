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

import java.nio.charset.StandardCharsets;

/** The short plain-text answer Chorus gives a request it refuses, and the end of the connection that follows it. */
final class ClosingAnswer {

  private ClosingAnswer() {
  }

  /**
   * Answers with the status and its one-line reason through the HTTP encoder, then ends the connection with a
   * lingering close, as nginx and Apache do: the client may still be sending (pipelined requests, a body), and
   * closing with unread bytes sends a reset that can destroy the answer before the client reads it. So the server
   * only shuts its side, and the caller discards what comes until the client closes, or the connection's request
   * deadline or idle timeout closes it. A write that fails (the encoder midway through another response) closes at
   * once.
   *
   * @param header an extra header to send, or null
   */
  static void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String reason, CharSequence header,
      String value) {
    ctx.writeAndFlush(response(status, reason, header, value)).addListener(written -> {
      if (written.isSuccess() && ctx.channel() instanceof DuplexChannel duplex) {
        ctx.channel().config().setAutoRead(true);
        duplex.shutdownOutput();
      } else {
        ctx.close();
      }
    });
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
