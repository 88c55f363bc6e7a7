package io.chorus.hub;

/**
 * The seam between fan-out and connections: the hub writes to a connection without knowing what carries it. Every
 * method is called on the connection's own event loop.
 *
 * <p>An abstract class rather than an interface so that the hub can keep its one flag per connection here: whether
 * it was written to since its last flush. A connection in several rooms is flushed once per turn however many of
 * them wrote to it, with neither a map lookup per delivery nor a flag the connection could forget to keep.
 */
public abstract class Connection {

  /** Set by the hub when it queues this connection for the next flush; cleared when it flushes it. */
  boolean flushPending;

  /**
   * Queues the message for this connection without flushing it.
   *
   * @return {@code true} when the message was queued, {@code false} when this connection skipped it (closing, or
   *     refused by the slow-consumer policy)
   */
  public abstract boolean send(Message message);

  /**
   * Some messages of the room up to {@code position} will never reach this connection: history could not fill a
   * hole, the stream started a new epoch, or the node ran out of direct memory for one. The next message of the room
   * follows {@code position}. Called on the hot path of a node in trouble: it must not allocate much.
   */
  public abstract void skipped(String room, Position position);

  /** Whether the connection can take more now without going over its output bound. */
  public abstract boolean writable();

  /**
   * Runs {@code task} once, on the connection's event loop, when the connection can take more again; a later call
   * replaces an earlier task. A closed connection never runs it.
   */
  public abstract void whenWritable(Runnable task);

  /** Writes out everything queued by {@link #send}. */
  public abstract void flush();

  /**
   * Closes the connection, telling the client why, and takes it out of its rooms. May be called from {@link #send},
   * during a broadcast: a room removes it once the broadcast is over.
   */
  public abstract void close(CloseReason reason);
}
