package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * Sits between Vert.x's HTTP decoder and Vert.x's HTTP connection on every accepted connection until it becomes a
 * WebSocket: refuses the requests {@link RequestPolicy} refuses, takes WebSocket upgrade requests for itself, and
 * tells the {@link HttpConnectionGuard} where each request ends. Everything else goes on to Vert.x. Upgrading below
 * Vert.x's HTTP layer means no Vert.x WebSocket object per connection: those keep the whole HTTP exchange alive and
 * carry their own write queues, about 14 KB per connection, which Chorus does not need since it handles every frame
 * itself.
 */
final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {

  private final WebSocketEndpoint endpoint;
  private final UpgradePolicy policy;
  private final ChorusMetrics metrics;
  private ChannelHandlerContext ctx;
  /** The last request ended and no other has begun: an idle keep-alive connection. */
  private boolean betweenRequests;
  private boolean discarding;

  WebSocketUpgrade(WebSocketEndpoint endpoint, UpgradePolicy policy, ChorusMetrics metrics) {
    this.endpoint = endpoint;
    this.policy = policy;
    this.metrics = metrics;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** Replaced by a WebSocket, or the connection closed: either way it no longer waits for a request. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    endpoint.guard().forget(this);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request) {
      betweenRequests = false;
      boolean upgrade = request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
      if (RequestPolicy.check(request) instanceof RequestPolicy.Refused refused) {
        ReferenceCountUtil.release(msg);
        endpoint.refusals().refused(refused.reason());
        if (upgrade) {
          metrics.handshake(Handshake.BAD_REQUEST);
        }
        refuse(refused.status(), refused.text(), refused.header(), refused.value());
        return;
      }
      if (upgrade) {
        ReferenceCountUtil.release(msg);
        UpgradePolicy.Verdict verdict = policy.check(request);
        if (verdict instanceof UpgradePolicy.Accepted accepted) {
          endpoint.open(ctx, request, accepted.room());
        } else {
          UpgradePolicy.Refused refused = (UpgradePolicy.Refused) verdict;
          metrics.handshake(refused.outcome());
          refuse(refused.status(), refused.reason(), refused.header(), refused.value());
        }
        return;
      }
    }
    if (msg instanceof LastHttpContent) {
      betweenRequests = true;
      endpoint.guard().requestEnded(this, endpoint.now());
    }
    ctx.fireChannelRead(msg);
  }

  /**
   * The connection's time is up. A request that has not ended gets 408; an idle keep-alive connection is closed
   * without an answer, as clients expect of a server's keep-alive timeout (the head of a next request that is still
   * arriving cannot be told apart from idleness here, and is closed the same way), as is a refused one that still
   * lingers.
   *
   * @return whether a request timed out
   */
  boolean expire() {
    if (betweenRequests || discarding) {
      discarding = true;
      ctx.close();
      return false;
    }
    discarding = true;
    ctx.writeAndFlush(ClosingAnswer.response(HttpResponseStatus.REQUEST_TIMEOUT,
        "No complete request within the time limit", null, null)).addListener(written -> ctx.close());
    return true;
  }

  /** Closed without an answer, to make room for a newer connection. */
  void shed() {
    discarding = true;
    ctx.close();
  }

  boolean isOpen() {
    return ctx.channel().isOpen();
  }

  /** Answers and ends the connection (see {@link ClosingAnswer}); what the client still sends is discarded. */
  private void refuse(HttpResponseStatus status, String reason, CharSequence header, String value) {
    discarding = true;
    ClosingAnswer.refuse(ctx, status, reason, header, value);
  }
}
