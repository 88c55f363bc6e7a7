package io.chorus.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between Vert.x's HTTP decoder and Vert.x's HTTP connection on every accepted connection, and takes WebSocket
 * upgrade requests for itself. Everything else goes on to Vert.x. Upgrading below Vert.x's HTTP layer means no
 * Vert.x WebSocket object per connection: those keep the whole HTTP exchange alive and carry their own write
 * queues, about 10 KB per connection, which Chorus does not need since it handles every frame itself.
 */
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {

  private final WebSocketEndpoint endpoint;
  private boolean discarding;

  WebSocketUpgrade(WebSocketEndpoint endpoint) {
    this.endpoint = endpoint;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      endpoint.requestArrived(ctx.channel());
      if (isWebSocketUpgrade(request)) {
        ReferenceCountUtil.release(msg);
        if (!endpoint.upgrade(ctx, request)) {
          discarding = true;
        }
        return;
      }
    }
    ctx.fireChannelRead(msg);
  }

  private static boolean isWebSocketUpgrade(HttpRequest request) {
    return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }
}
