package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;

/**
 * Sits between Vert.x's HTTP decoder and Vert.x's HTTP connection on every accepted connection, and takes WebSocket
 * upgrade requests for itself. Everything else goes on to Vert.x. Upgrading below Vert.x's HTTP layer means no
 * Vert.x WebSocket object per connection: those keep the whole HTTP exchange alive and carry their own write
 * queues, about 14 KB per connection, which Chorus does not need since it handles every frame itself.
 */
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {

  private final WebSocketEndpoint endpoint;
  private final UpgradePolicy policy;
  private final ChorusMetrics metrics;
  private boolean discarding;

  WebSocketUpgrade(WebSocketEndpoint endpoint, UpgradePolicy policy, ChorusMetrics metrics) {
    this.endpoint = endpoint;
    this.policy = policy;
    this.metrics = metrics;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      endpoint.requestArrived(ctx.channel());
      if (request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
        ReferenceCountUtil.release(msg);
        UpgradePolicy.Verdict verdict = policy.check(request);
        if (verdict instanceof UpgradePolicy.Accepted accepted) {
          endpoint.open(ctx, request, accepted.room());
        } else {
          refuse(ctx, (UpgradePolicy.Refused) verdict);
        }
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Answers with the status and its one-line reason, then closes; the rest of the request goes nowhere. */
  private void refuse(ChannelHandlerContext ctx, UpgradePolicy.Refused refused) {
    discarding = true;
    metrics.handshake(refused.outcome());
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, refused.status(),
        Unpooled.copiedBuffer(refused.reason() + "\n", StandardCharsets.UTF_8));
    response.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
        .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    if (refused.header() != null) {
      response.headers().set(refused.header(), refused.value());
    }
    ctx.writeAndFlush(response).addListener(written -> ctx.close());
  }
}
