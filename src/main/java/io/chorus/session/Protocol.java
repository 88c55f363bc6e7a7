package io.chorus.session;

/** What a session's client messages mean, chosen by the client at the WebSocket handshake. */
public enum Protocol {
  /**
   * Every message is broadcast unchanged, as the same frame type, to the one room named by the connection's path,
   * the sender included (the seed's {@code ws} chat server).
   */
  PLAIN(null),
  /**
   * chorus.v1: JSON commands and replies, several rooms per connection, acknowledged publishes, numbered messages,
   * history and resume.
   */
  STRUCTURED("chorus.v1");

  private final String subprotocol;

  Protocol(String subprotocol) {
    this.subprotocol = subprotocol;
  }

  /** The {@code Sec-WebSocket-Protocol} name that selects it; null for the default, plain mode. */
  public String subprotocol() {
    return subprotocol;
  }
}
