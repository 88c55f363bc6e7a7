package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.metrics.HttpRejection;
import io.chorus.security.ConnectionLimit;
import io.netty.channel.Channel;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every TCP connection of one gateway until it becomes a WebSocket: holds it to the node's TCP budget, and gives each
 * of its requests, head and body, the handshake timeout, counted from the connection's opening or from the end of its
 * previous request; an idle keep-alive connection gets the same. So neither a flood of connections, nor one that
 * trickles its headers or its body or its second request, holds a descriptor for long. One per gateway, touched by
 * its event loop only.
 *
 * <p>When the port is over its budget, a new connection closes the connection of its event loop that has waited
 * longest for its current request, instead of being refused. Refusing newcomers would let a few hundred sockets that
 * trickle their requests keep everyone out, clients and health checks alike, for as long as they keep reconnecting
 * after each timeout. Closing the longest-waiting first, an attacker must open a budget's worth of connections (256
 * with the default limits) within the time a client needs for its handshake (a round trip; a millisecond on
 * loopback) to keep it out.
 */
final class HttpConnectionGuard {

  private final ConnectionLimit limit;
  private final ChorusMetrics metrics;
  private final HttpRefusals refusals;
  private final long timeoutNanos;
  /** Each connection with the start of its current request; oldest first, since a request that ends moves it last. */
  private final Map<WebSocketUpgrade, Long> waiting = new LinkedHashMap<>();
  /** Whether the node's {@link AcceptBudget} sits on the listening socket; the first connection puts it there. */
  private boolean budgetInstalled;

  HttpConnectionGuard(ConnectionLimit limit, ChorusMetrics metrics, HttpRefusals refusals, long timeoutNanos) {
    this.limit = limit;
    this.metrics = metrics;
    this.refusals = refusals;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * A TCP connection was accepted: closed at once when the port is full (connections accepted before the
   * {@link AcceptBudget} was installed are counted here), or when it is over the budget and there is no waiting
   * connection on this event loop to close in its place.
   *
   * @return whether the connection was let in; if so, {@link #watch} it
   */
  boolean admit(Channel channel) {
    if (!budgetInstalled) {
      AcceptBudget.install(channel.parent(), limit);
      budgetInstalled = true;
    }
    if (!AcceptBudget.admit(channel, limit) || (limit.isTcpOverBudget() && !shedLongestWaiting())) {
      channel.close();
      return false;
    }
    return true;
  }

  /** Starts the clock of the connection's first request. */
  void watch(WebSocketUpgrade connection, long now) {
    waiting.put(connection, now);
  }

  /** The connection's request ended: its next one, if any, has the whole timeout again. */
  void requestEnded(WebSocketUpgrade connection, long now) {
    if (waiting.remove(connection) != null) {
      waiting.put(connection, now);
    }
  }

  /** The connection became a WebSocket or closed. */
  void forget(WebSocketUpgrade connection) {
    waiting.remove(connection);
  }

  /**
   * Closes every connection whose current request has not ended within the timeout, with 408 unless it was idle
   * between requests.
   */
  void closeExpired(long now) {
    List<WebSocketUpgrade> expired = null;
    for (Iterator<Map.Entry<WebSocketUpgrade, Long>> oldestFirst = waiting.entrySet().iterator();
        oldestFirst.hasNext(); ) {
      Map.Entry<WebSocketUpgrade, Long> entry = oldestFirst.next();
      if (now - entry.getValue() <= timeoutNanos) {
        break;
      }
      oldestFirst.remove();
      if (expired == null) {
        expired = new ArrayList<>();
      }
      expired.add(entry.getKey());
    }
    if (expired != null) {
      // Outside the iteration: answering may close the connection, which forgets it.
      for (WebSocketUpgrade connection : expired) {
        if (connection.isOpen() && connection.expire()) {
          metrics.handshake(Handshake.TIMEOUT);
        }
      }
    }
  }

  /** Closes the open connection that has waited longest; false when this event loop has none. */
  private boolean shedLongestWaiting() {
    for (Iterator<WebSocketUpgrade> oldestFirst = waiting.keySet().iterator(); oldestFirst.hasNext(); ) {
      WebSocketUpgrade connection = oldestFirst.next();
      oldestFirst.remove();
      if (connection.isOpen()) {
        refusals.refused(HttpRejection.SHED);
        connection.shed();
        return true;
      }
    }
    return false;
  }
}
