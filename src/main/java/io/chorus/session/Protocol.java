package io.chorus.session;

/** What a session's client messages mean. */
public enum Protocol {
  /**
   * Every message is broadcast unchanged, as the same frame type, to the one room named by the connection's path,
   * the sender included (the seed's {@code ws} chat server).
   */
  PLAIN
}
