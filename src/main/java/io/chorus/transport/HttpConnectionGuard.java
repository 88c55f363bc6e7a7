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
 * Every TCP connection of one gateway until it becomes a WebSocket (or of the management port): holds it to the
 * port's TCP budget, and gives each of its requests, head and body, the handshake timeout, counted from the
 * connection's opening or from when the last response owed on it was written (see {@link HttpRequests}); an idle
 * keep-alive connection gets the same. So neither a flood of connections, nor one that trickles its headers or its
 * body or its second request, holds a descriptor for long. On a TLS port, a connection is watched from its accept:
 * its TLS handshake gets the handshake timeout too ({@link TlsHandshakes}). One per event loop, touched by that loop
 * only.
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
  /** Counts timed-out handshakes; null on the management port, which has none. */
  private final ChorusMetrics metrics;
  private final Refusals refusals;
  private final long timeoutNanos;
  /**
   * Each connection whose clock runs, with the clock's start; oldest first, since a restarted clock moves it last. A
   * connection that Vert.x is answering is not here: it can neither time out nor be shed.
   */
  private final Map<WaitingConnection, Long> waiting = new LinkedHashMap<>();
  /** Whether the node's {@link AcceptBudget} sits on the listening socket; the first connection puts it there. */
  private boolean budgetInstalled;
  /** The event loop's clock at its last tick. */
  private long now = System.nanoTime();

  /** @param metrics counts handshake timeouts; null where there are no handshakes */
  HttpConnectionGuard(ConnectionLimit limit, ChorusMetrics metrics, Refusals refusals, long timeoutNanos) {
    this.limit = limit;
    this.metrics = metrics;
    this.refusals = refusals;
    this.timeoutNanos = timeoutNanos;
  }

  /**
   * A TCP connection was accepted: closed at once when the port is full (connections accepted before the
   * {@link AcceptBudget} was installed are counted here), or when it is over the budget and there is no waiting
   * connection on this event loop to close in its place; either is counted as {@code over_budget}.
   *
   * @return whether the connection was let in; if so, {@link #watch} it
   */
  boolean admit(Channel channel) {
    if (!budgetInstalled) {
      AcceptBudget.install(channel.parent(), limit, refusals);
      budgetInstalled = true;
    }
    if (!AcceptBudget.admit(channel, limit) || (limit.isTcpOverBudget() && !shedLongestWaiting())) {
      refusals.refused(HttpRejection.OVER_BUDGET, channel);
      channel.close();
      return false;
    }
    return true;
  }

  /** Starts the clock of the connection's first request. */
  void watch(WaitingConnection connection, long now) {
    waiting.put(connection, now);
  }

  /** Nothing is owed on the connection any more: its clock starts again, with the whole timeout. */
  void restart(WaitingConnection connection) {
    waiting.remove(connection);
    if (connection.isOpen()) {
      waiting.put(connection, now);
    }
  }

  /** Vert.x answers the connection, or it became a WebSocket, or it closed: its clock stops. */
  void forget(WaitingConnection connection) {
    waiting.remove(connection);
  }

  /** Expires every connection whose clock has run for longer than the timeout ({@link WaitingConnection#expire}). */
  void closeExpired(long now) {
    this.now = now;
    List<WaitingConnection> expired = null;
    for (Iterator<Map.Entry<WaitingConnection, Long>> oldestFirst = waiting.entrySet().iterator();
        oldestFirst.hasNext(); ) {
      Map.Entry<WaitingConnection, Long> entry = oldestFirst.next();
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
      // Outside the iteration: expiring may restart the clock of a lingering close, or close and forget.
      for (WaitingConnection connection : expired) {
        if (connection.isOpen()) {
          connection.expire();
        }
      }
    }
  }

  /** Counts a request that timed out on {@code channel}. */
  void timedOut(Channel channel) {
    if (metrics != null) {
      metrics.handshake(Handshake.TIMEOUT);
    }
    refusals.refusedUpgrade(Handshake.TIMEOUT, channel);
  }

  /** Closes the open connection that has waited longest; false when this event loop has none. */
  private boolean shedLongestWaiting() {
    for (Iterator<WaitingConnection> oldestFirst = waiting.keySet().iterator(); oldestFirst.hasNext(); ) {
      WaitingConnection connection = oldestFirst.next();
      oldestFirst.remove();
      if (connection.isOpen()) {
        refusals.refused(HttpRejection.SHED, null);
        connection.shed();
        return true;
      }
    }
    return false;
  }
}
