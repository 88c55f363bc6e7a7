package io.chorus.transport;

import io.chorus.hub.CloseReason;

import java.util.function.Consumer;

/**
 * What one connection holds of client input that is not complete yet: the partial frame in its WebSocket decoder
 * and the message it is reassembling. Settled once per read, at its end, and reported to its event loop's
 * {@link IncompleteInputs} only when the amount changed or a new message began: nothing for a client whose frames
 * arrive whole. Touched by its event loop only.
 */
final class IncompleteInput {

  private final IncompleteInputs inputs;
  /** Closes the connection, sending the reason; it stops reading at once. */
  final Consumer<CloseReason> close;
  /** Bytes counted against the node's budget for this connection. */
  long held;
  /** When the oldest incomplete message it holds began, on the heartbeat clock. */
  long since;
  /** Neighbours in the event loop's list, oldest first; both null, and not the list's head, while it holds nothing. */
  IncompleteInput older;
  IncompleteInput younger;
  /** Closed for holding too much or too long, or gone: no longer counted. */
  boolean dropped;
  private int partialFrame;
  private boolean messageCompleted;

  IncompleteInput(IncompleteInputs inputs, Consumer<CloseReason> close) {
    this.inputs = inputs;
    this.close = close;
  }

  /** The decoder holds a buffer of this capacity for the start of a frame, at the end of a read (0: none). */
  void partialFrame(int capacity) {
    partialFrame = capacity;
  }

  /** A whole message arrived: whatever it holds at the end of this read belongs to a newer one. */
  void messageCompleted() {
    messageCompleted = true;
  }

  /** The end of a read: {@code reassembly} bytes are held for a fragmented message (0: none). */
  void settle(int reassembly) {
    long bytes = partialFrame + (long) reassembly;
    boolean restarted = messageCompleted;
    messageCompleted = false;
    if (!dropped && (bytes != held || restarted && bytes > 0)) {
      inputs.held(this, bytes, restarted);
    }
  }

  /** The connection is gone: what it held is freed. */
  void release() {
    inputs.forget(this);
  }
}
