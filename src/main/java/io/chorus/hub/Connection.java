package io.chorus.hub;

/**
 * The seam between fan-out and transports: the hub writes to a connection without knowing whether it is a
 * WebSocket or anything else. Every method is called on the connection's own event loop.
 */
public interface Connection {

  /**
   * Queues the message for this connection without flushing it.
   *
   * @return {@code true} when the message was queued, {@code false} when this connection skipped it (closing, or
   *     refused by the slow-consumer policy)
   */
  boolean send(OutboundMessage message);

  /** Writes out everything queued by {@link #send}. */
  void flush();

  /**
   * Closes the connection, telling the client why, and takes it out of its room. May be called from {@link #send},
   * during a broadcast: the room removes it once the broadcast is over.
   */
  void close(CloseReason reason);
}
