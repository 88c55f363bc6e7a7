package io.chorus.transport;

import io.chorus.metrics.HttpRejection;
import io.chorus.security.ConnectionLimit;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.util.AttributeKey;

/**
 * Holds the client port to the node's TCP budget where connections are accepted. Sits first in the listening
 * socket's pipeline, on the acceptor thread: a connection beyond what {@link ConnectionLimit#tryOpenTcp()} allows is
 * closed right after {@code accept}, before it is handed to an event loop (one that is merely over the budget goes on,
 * and makes room for itself there: see {@link HttpConnectionGuard}). Counting later, on the event loops, would let a burst of connections outrun them
 * and take the descriptors that the budget leaves free, and an {@code accept} that fails for lack of descriptors
 * stops the acceptor.
 */
@ChannelHandler.Sharable
final class AcceptBudget extends ChannelInboundHandlerAdapter {

  static final String NAME = "chorus-accept-budget";
  private static final AttributeKey<Boolean> COUNTED = AttributeKey.valueOf("chorus.tcp-counted");

  private final ConnectionLimit limit;
  private final Refusals refusals;

  private AcceptBudget(ConnectionLimit limit, Refusals refusals) {
    this.limit = limit;
    this.refusals = refusals;
  }

  /**
   * Puts the budget in front of the listening socket's acceptor, once per socket, from any thread.
   *
   * @param refusals counts the connections closed here as {@code over_budget}; thread-safe, as the acceptor needs
   */
  static void install(Channel listening, ConnectionLimit limit, Refusals refusals) {
    ChannelPipeline pipeline = listening.pipeline();
    synchronized (pipeline) {
      if (pipeline.get(NAME) == null) {
        pipeline.addFirst(NAME, new AcceptBudget(limit, refusals));
      }
    }
  }

  /**
   * Takes a TCP slot for the connection unless it already holds one (taken at accept once the budget is
   * installed), and gives it back when the connection closes. Asked once per connection, by its event loop.
   *
   * @return whether the connection is within the budget
   */
  static boolean admit(Channel connection, ConnectionLimit limit) {
    if (connection.hasAttr(COUNTED)) {
      // The mark has done its job: kept, it would cost every connection about 48 bytes for its whole life.
      connection.attr(COUNTED).remove();
      return true;
    }
    return take(connection, limit);
  }

  private static boolean take(Channel connection, ConnectionLimit limit) {
    if (!limit.tryOpenTcp()) {
      return false;
    }
    connection.closeFuture().addListener(closed -> limit.closeTcp());
    return true;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object accepted) {
    Channel connection = (Channel) accepted;
    if (take(connection, limit)) {
      connection.attr(COUNTED).set(Boolean.TRUE);
      ctx.fireChannelRead(connection);
    } else {
      refusals.refused(HttpRejection.OVER_BUDGET, connection);
      // Not registered with any event loop yet: closing it here frees its descriptor at once.
      connection.unsafe().closeForcibly();
    }
  }
}
