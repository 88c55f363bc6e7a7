package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.metrics.HttpRejection;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;

import java.util.function.Consumer;

/**
 * The requests of every accepted connection of the client port until it becomes a WebSocket ({@link HttpRequests}:
 * refusals and timing), and the WebSocket upgrade requests, which it takes for itself. Upgrading below Vert.x's HTTP
 * layer means no Vert.x WebSocket object per connection: those keep the whole HTTP exchange alive and carry their own
 * write queues, about 14 KB per connection, which Chorus does not need since it handles every frame itself.
 */
final class WebSocketUpgrade extends HttpRequests {

  private final WebSocketEndpoint endpoint;
  private final UpgradePolicy policy;
  private final SseEndpoint sse;
  private final ChorusMetrics metrics;
  /** A token is being checked off the event loop: the request waits, reading nothing. */
  private boolean deciding;

  WebSocketUpgrade(WebSocketEndpoint endpoint, UpgradePolicy policy, SseEndpoint sse, ChorusMetrics metrics) {
    super(endpoint.guard(), endpoint.refusals());
    this.endpoint = endpoint;
    this.policy = policy;
    this.sse = sse;
    this.metrics = metrics;
  }

  @Override
  boolean takesOver(HttpRequest request) {
    return isUpgrade(request) || SseEndpoint.claims(request);
  }

  /**
   * Opens the WebSocket, or refuses the upgrade. An upgrade pipelined behind requests Vert.x still answers is refused:
   * its 101 would have to wait for those answers while the frames behind it arrive and the HTTP decoder reads them
   * as requests. Browsers never pipeline, and a client that waits for its answers before upgrading is served. An SSE
   * request is taken over the same way, and refused the same way behind answers still owed.
   */
  @Override
  void takeOver(ChannelHandlerContext ctx, HttpRequest request) {
    boolean upgrade = isUpgrade(request);
    if (isAnswering()) {
      endpoint.refusals().refused(HttpRejection.BAD_REQUEST, ctx.channel());
      countBadRequest(upgrade);
      refuse(HttpResponseStatus.BAD_REQUEST, (upgrade ? "A WebSocket upgrade" : "An SSE request")
          + " must wait for the answers to earlier requests", null, null);
      return;
    }
    if (!upgrade) {
      whenDecided(ctx, sse.check(request), verdict -> {
        if (verdict instanceof SseEndpoint.Accepted accepted) {
          sse.open(ctx, request, accepted);
        } else {
          HandshakeRefusal refused = (HandshakeRefusal) verdict;
          metrics.sseRequest(refused.outcome());
          endpoint.refusals().refusedStream(refused.outcome(), ctx.channel());
          refuse(refused.status(), refused.reason(), refused.header(), refused.value());
        }
      }, verdict -> {
        if (verdict instanceof SseEndpoint.Accepted) {
          sse.release();
        }
      });
      return;
    }
    whenDecided(ctx, policy.check(request), verdict -> {
      if (verdict instanceof UpgradePolicy.Accepted accepted) {
        endpoint.open(ctx, request, accepted);
      } else {
        HandshakeRefusal refused = (HandshakeRefusal) verdict;
        metrics.handshake(refused.outcome());
        endpoint.refusals().refusedUpgrade(refused.outcome(), ctx.channel());
        refuse(refused.status(), refused.reason(), refused.header(), refused.value());
      }
    }, verdict -> {
      if (verdict instanceof UpgradePolicy.Accepted) {
        endpoint.release();
      }
    });
  }

  /**
   * Runs {@code decide} with the verdict: at once, or when a token checked off the event loop has its answer. Meanwhile
   * the connection reads nothing, and drops what was read already (the request's empty end; a client sends nothing
   * else before its answer). A connection that closed or timed out meanwhile is {@code abandon}ed instead, to give
   * back the slot an accepted verdict took.
   */
  private <V> void whenDecided(ChannelHandlerContext ctx, Future<V> verdict, Consumer<V> decide, Consumer<V> abandon) {
    if (verdict.isComplete()) {
      decide.accept(verdict.result());
      return;
    }
    deciding = true;
    ctx.channel().config().setAutoRead(false);
    verdict.onComplete(decided -> {
      deciding = false;
      if (!ctx.channel().isActive() || isDiscarding()) {
        abandon.accept(decided.result());
        return;
      }
      ctx.channel().config().setAutoRead(true);
      decide.accept(decided.result());
    });
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (deciding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    super.channelRead(ctx, msg);
  }

  @Override
  void refusedRequest(HttpRequest request) {
    if (isUpgrade(request)) {
      countBadRequest(true);
    } else if (SseEndpoint.claims(request)) {
      countBadRequest(false);
    }
  }

  /** A malformed upgrade or SSE request, refused before its own checks: counted as they count their refusals. */
  private void countBadRequest(boolean upgrade) {
    if (upgrade) {
      metrics.handshake(Handshake.BAD_REQUEST);
    } else {
      metrics.sseRequest(Handshake.BAD_REQUEST);
    }
  }

  private static boolean isUpgrade(HttpRequest request) {
    return request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
  }
}
