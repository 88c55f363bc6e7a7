package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;

import java.nio.charset.StandardCharsets;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Every TCP connection of one gateway before it becomes a WebSocket: holds it to the node's TCP budget, and gives it
 * the handshake timeout to send a complete request, so that neither a flood of connections nor one that trickles its
 * headers can exhaust descriptors. One per gateway, touched by its event loop only.
 */
final class HttpConnectionGuard {

  private static final String TIMEOUT_BODY = "No complete request within the time limit\n";
  private static final byte[] REQUEST_TIMEOUT = ("HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
      + "Content-Type: text/plain\r\nContent-Length: " + TIMEOUT_BODY.length() + "\r\n\r\n" + TIMEOUT_BODY)
      .getBytes(StandardCharsets.US_ASCII);

  private final ConnectionLimit limit;
  private final ChorusMetrics metrics;
  private final long handshakeTimeoutNanos;
  /** Channels, not Vert.x connections; closed ones are dropped on the next tick (at most a second later). */
  private final Map<Channel, Long> awaitingRequest = new IdentityHashMap<>();
  /** Whether the node's {@link AcceptBudget} sits on the listening socket; the first connection puts it there. */
  private boolean budgetInstalled;

  HttpConnectionGuard(ConnectionLimit limit, ChorusMetrics metrics, long handshakeTimeoutNanos) {
    this.limit = limit;
    this.metrics = metrics;
    this.handshakeTimeoutNanos = handshakeTimeoutNanos;
  }

  /**
   * A TCP connection was accepted: closed at once when the port is full (connections accepted before the
   * {@link AcceptBudget} was installed are counted here), else timed until its first request.
   *
   * @return whether the connection was let in
   */
  boolean accepted(Channel channel, long now) {
    if (!budgetInstalled) {
      AcceptBudget.install(channel.parent(), limit);
      budgetInstalled = true;
    }
    if (!AcceptBudget.admit(channel, limit)) {
      channel.close();
      return false;
    }
    // No close listener: a connection that closes while waiting leaves the map on the next tick.
    awaitingRequest.put(channel, now);
    return true;
  }

  /** The connection sent a complete request head in time. */
  void requestArrived(Channel channel) {
    awaitingRequest.remove(channel);
  }

  /**
   * Answers 408 and closes every connection that has not sent a request within the handshake timeout, and forgets
   * the connections that closed while waiting.
   */
  void closeExpired(long now) {
    Iterator<Map.Entry<Channel, Long>> waiting = awaitingRequest.entrySet().iterator();
    while (waiting.hasNext()) {
      Map.Entry<Channel, Long> entry = waiting.next();
      Channel channel = entry.getKey();
      if (!channel.isOpen()) {
        waiting.remove();
      } else if (now - entry.getValue() > handshakeTimeoutNanos) {
        waiting.remove();
        metrics.handshake(Handshake.TIMEOUT);
        // Written below Vert.x's HTTP encoder, which has no request to answer.
        channel.pipeline().firstContext().writeAndFlush(Unpooled.wrappedBuffer(REQUEST_TIMEOUT))
            .addListener(ChannelFutureListener.CLOSE);
      }
    }
  }
}
