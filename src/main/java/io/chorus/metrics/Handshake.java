package io.chorus.metrics;

/** How a WebSocket upgrade request ended. */
public enum Handshake {
  ACCEPTED("accepted"),
  /** Malformed upgrade: missing or bad key, unsupported version, wrong method (400, 405, 426). */
  BAD_REQUEST("bad_request"),
  /** No WebSocket endpoint at the path (404). */
  NOT_FOUND("not_found"),
  /** Room name outside the allowed alphabet or length (400). */
  INVALID_ROOM("invalid_room");

  private final String label;

  Handshake(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
