package io.chorus.metrics;

/** Why the client port refused an HTTP request, or a connection, before Vert.x or the WebSocket upgrade saw it. */
public enum HttpRejection {
  /** An HTTP/1.1 request without a Host header (400). */
  NO_HOST("no_host"),
  /** More than one Host header, or one that is not a host and port (400). */
  BAD_HOST("bad_host"),
  /** A request Netty's decoder could not parse, or whose target is not a path (400). */
  BAD_REQUEST("bad_request"),
  /** A request line or headers over the decoder's limits (414, 431). */
  TOO_LARGE("too_large"),
  /** A method the server never serves, CONNECT among them (405). */
  METHOD_NOT_ALLOWED("method_not_allowed"),
  /** A connection that had not become a WebSocket, closed to make room for a new one when the port was full. */
  SHED("shed"),
  /** A new connection closed at once: the port was full, with no connection waiting that could make room for it. */
  OVER_BUDGET("over_budget"),
  /** Plain HTTP sent to a TLS port (400, then the connection closes). */
  PLAIN_HTTP("plain_http");

  private final String label;

  HttpRejection(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
