package io.chorus.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * Holds what a client sent right behind its upgrade request until the 101 is written. Netty's handshaker puts the
 * WebSocket decoder in place of the HTTP decoder before it writes the 101, and the HTTP decoder hands its unread
 * bytes to the new one at once: without this hold, a ping there would be answered before the 101 (and the pong lost
 * in the HTTP encoder), and a framing error would close the connection before the client had any answer. Sits right
 * before the {@link WebSocketConnection} during the handshake. It stops reading until it is released, so what it
 * holds is at most the rest of the read that carried the request, however long the 101 takes to be written.
 */
final class EarlyFrames extends ChannelInboundHandlerAdapter {

  /** Frames, and the decoder's errors, in the order they came. */
  private final List<Object> held = new ArrayList<>(2);
  private ChannelHandlerContext ctx;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    ctx.channel().config().setAutoRead(false);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    held.add(msg);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    held.add(cause);
  }

  /** The 101 is written: leaves the pipeline and passes on what it held, in order. */
  void release() {
    if (ctx.isRemoved()) {
      return;
    }
    List<Object> early = new ArrayList<>(held);
    held.clear();
    ctx.pipeline().remove(this);
    ctx.channel().config().setAutoRead(true);
    // A removed handler's context still leads to the next handler, so these reach the WebSocketConnection.
    for (Object item : early) {
      if (item instanceof Throwable cause) {
        ctx.fireExceptionCaught(cause);
      } else {
        ctx.fireChannelRead(item);
      }
    }
  }

  /** Released, or the connection closed before the 101 was written: then what it held goes nowhere. */
  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    held.forEach(ReferenceCountUtil::release);
    held.clear();
  }
}
