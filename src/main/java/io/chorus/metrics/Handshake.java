package io.chorus.metrics;

/** How a WebSocket upgrade request ended; an SSE request too, for the outcomes it can have. */
public enum Handshake {
  ACCEPTED("accepted"),
  /**
   * Malformed upgrade: missing or bad key, unsupported version, a body (400, 426), or refused as a malformed HTTP
   * request (400, 405, 414, 431; see chorus_http_rejections_total).
   */
  BAD_REQUEST("bad_request"),
  /** No WebSocket endpoint at the path (404). */
  NOT_FOUND("not_found"),
  /** Room name outside the allowed alphabet or length (400). */
  INVALID_ROOM("invalid_room"),
  /** Authentication is on and the token is missing, invalid or expired (401). */
  UNAUTHORIZED("unauthorized"),
  /** The token, or the anonymous grant, does not let the client into the room the request names (403). */
  FORBIDDEN("forbidden"),
  /** A page from an origin that is not allowed (403). */
  FORBIDDEN_ORIGIN("forbidden_origin"),
  /** The node has max-connections WebSockets already (503). */
  NODE_FULL("node_full"),
  /** The node is shutting down (503). */
  DRAINING("draining"),
  /** No complete request within the handshake timeout (408, connection closed). */
  TIMEOUT("timeout");

  private final String label;

  Handshake(String label) {
    this.label = label;
  }

  /** The value of the {@code outcome} label of {@code chorus_handshakes_total}. */
  public String label() {
    return label;
  }
}
