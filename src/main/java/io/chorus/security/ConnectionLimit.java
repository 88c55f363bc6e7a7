package io.chorus.security;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * The node's connection budget, shared by every gateway. Two counts: WebSocket connections, capped by
 * {@code max-connections} with a 503 before the upgrade; and every TCP connection of the client port, capped a
 * little higher so that plain HTTP and refusals still work, and below the open-file limit so that accepting never
 * fails for lack of descriptors. Connections beyond the TCP cap are closed as soon as they are accepted.
 */
public final class ConnectionLimit {

  private final int maxWebSockets;
  private final int maxTcp;
  private final int maxTcpBeyondBudget;
  private final AtomicInteger webSockets = new AtomicInteger();
  private final AtomicInteger tcp = new AtomicInteger();

  public ConnectionLimit(int maxWebSockets, int maxTcp) {
    this.maxWebSockets = maxWebSockets;
    this.maxTcp = maxTcp;
    // A connection over the budget lives only until its event loop has closed a slow one or it: microseconds, unless
    // a burst of them arrives at once. An eighth of the room left for plain HTTP (32 connections with the default
    // limits) bounds that burst well within the descriptors kept free for the JVM's own files (as many again).
    this.maxTcpBeyondBudget = maxTcp + Math.max(1, (maxTcp - maxWebSockets) / 8);
  }

  /**
   * Takes one TCP slot, possibly beyond the budget (see {@link #isTcpOverBudget()}); false when even that is full
   * and the new connection must be closed at once.
   */
  public boolean tryOpenTcp() {
    return tryIncrement(tcp, maxTcpBeyondBudget);
  }

  /** More TCP connections are open than the budget: each connection let in now must make room for itself. */
  public boolean isTcpOverBudget() {
    return tcp.get() > maxTcp;
  }

  public void closeTcp() {
    tcp.decrementAndGet();
  }

  /** Takes one WebSocket slot; false when the node is full and the upgrade must be refused. */
  public boolean tryOpenWebSocket() {
    return tryIncrement(webSockets, maxWebSockets);
  }

  public void closeWebSocket() {
    webSockets.decrementAndGet();
  }

  /** The slots taken now: WebSockets, SSE streams and held polls. */
  public int connections() {
    return webSockets.get();
  }

  private static boolean tryIncrement(AtomicInteger count, int max) {
    int current;
    do {
      current = count.get();
      if (current >= max) {
        return false;
      }
    } while (!count.compareAndSet(current, current + 1));
    return true;
  }
}
