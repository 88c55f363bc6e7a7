package io.chorus.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;

/**
 * Checks every request on the management port as the client port does ({@link RequestPolicy}): Vert.x would log a
 * request without a valid Host there as a server error too, one line each. Refused requests are counted with the
 * client port's; what the client sends after one is discarded until it closes or the idle timeout closes it.
 */
final class ManagementRequests extends ChannelInboundHandlerAdapter {

  private final HttpRefusals refusals;
  private boolean discarding;

  ManagementRequests(HttpRefusals refusals) {
    this.refusals = refusals;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (discarding) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof HttpRequest request && RequestPolicy.check(request) instanceof RequestPolicy.Refused refused) {
      ReferenceCountUtil.release(msg);
      discarding = true;
      refusals.refused(refused.reason());
      ClosingAnswer.refuse(ctx, refused.status(), refused.text(), refused.header(), refused.value());
      return;
    }
    ctx.fireChannelRead(msg);
  }
}
