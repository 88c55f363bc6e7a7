package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Message;

/**
 * What carries one session's messages to its client: a WebSocket today; an SSE stream or a long poll next. It owns
 * the wire (framing, its encoding of messages, its output bound, its closing handshake); the session decides what
 * to send and when to ping or close. Every method is called on the session's event loop.
 */
public interface Transport {

  /** What became of a message handed to {@link #write}. */
  enum Write {
    /** Queued in the transport's own encoding; leaves with the next flush. */
    QUEUED,
    /** Skipped: the output is over its bound, so the client is slow; the slow-consumer policy decides. */
    BACKED_UP,
    /** Skipped: the transport is closing or closed, so nobody will read it. */
    CLOSED
  }

  /** Queues a room's message, as the session's protocol shows it on this transport, without flushing it. */
  Write write(Message message);

  /**
   * Queues a text meant for this client alone (the welcome, a reply, a notice), without flushing it: in chorus.v1
   * it is already the protocol's JSON.
   */
  Write writeText(Message message);

  /** Whether it can take more now without going over its output bound. */
  boolean writable();

  /** Runs {@code task} once when it can take more again, replacing any earlier task; never once closed. */
  void whenWritable(Runnable task);

  /** Writes out everything queued. */
  void flush();

  /** Sends the transport's keep-alive, unless its output is backed up: a client that does not read cannot answer. */
  void ping();

  /**
   * Begins closing, telling the client why; the transport then calls {@link Session#stopServing()} once, and
   * {@link Session#closed()} once the connection is gone, however the close began.
   */
  void close(CloseReason reason);

  /** Whether the client can send on it (WebSocket), or only receive (SSE): only then can it be heard from. */
  boolean bidirectional();
}
