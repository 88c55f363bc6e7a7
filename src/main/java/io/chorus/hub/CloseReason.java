package io.chorus.hub;

/**
 * Why the server closes a connection: the RFC 6455 status code and the short reason the client sees. Codes 1001
 * and 1013 invite the client to reconnect (elsewhere or later); 1002, 1007 and 1009 mean the client sent something it
 * must not send again; 1011 is the server's fault.
 */
public enum CloseReason {
  GOING_AWAY(1001, "server shutting down"),
  PROTOCOL_ERROR(1002, "protocol error"),
  INVALID_PAYLOAD(1007, "invalid UTF-8"),
  MESSAGE_TOO_BIG(1009, "message too big"),
  INTERNAL_ERROR(1011, "internal error");

  private final int code;
  private final String text;

  CloseReason(int code, String text) {
    this.code = code;
    this.text = text;
  }

  public int code() {
    return code;
  }

  public String text() {
    return text;
  }
}
