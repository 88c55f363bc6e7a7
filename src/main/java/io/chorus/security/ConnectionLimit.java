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
  private final AtomicInteger webSockets = new AtomicInteger();
  private final AtomicInteger tcp = new AtomicInteger();

  public ConnectionLimit(int maxWebSockets, int maxTcp) {
    this.maxWebSockets = maxWebSockets;
    this.maxTcp = maxTcp;
  }

  /** Takes one TCP slot; false when the port is full and the new connection must be closed at once. */
  public boolean tryOpenTcp() {
    return tryIncrement(tcp, maxTcp);
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
