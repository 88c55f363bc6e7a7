package io.chorus.metrics;

/** Where an unexpected exception happened: the closed label set of {@code chorus_errors_total}. */
public enum Where {
  /** In a WebSocket connection's Netty handler, other than a client's protocol error or a reset connection. */
  WEBSOCKET("websocket"),
  /** In a session: publishing a client's message, delivering to it, or the heartbeat. */
  SESSION("session"),
  /** In a hub's fan-out of a broadcast. */
  HUB("hub"),
  /** In serving a plain HTTP request. */
  HTTP("http");

  private final String label;

  Where(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
