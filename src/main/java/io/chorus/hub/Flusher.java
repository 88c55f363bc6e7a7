package io.chorus.hub;

import java.util.Arrays;

/**
 * One event loop's connections written to since the last flush, each listed once however many rooms wrote to it.
 * One task per event-loop turn (or per write delay, while broadcasts come often: {@link FlushTiming}) flushes them
 * all: under load, many messages reach a connection with a single system call, and on loopback a send costs about
 * 4 µs of kernel time whatever its size. A connection that left its rooms, or closed, after being written to is still
 * flushed: what it was sent goes out.
 */
final class Flusher {

  private final FlushTiming timing;
  private final Runnable flushTask = this::flush;
  private Connection[] pending = new Connection[16];
  private int count;
  private boolean scheduled;

  Flusher(FlushTiming timing) {
    this.timing = timing;
  }

  /** A message is being sent to a room's members: what decides whether the next flush waits. */
  void broadcast() {
    timing.broadcast();
  }

  /** The connection took a message: it is flushed with the next task. */
  void written(Connection connection) {
    if (connection.flushPending) {
      return;
    }
    connection.flushPending = true;
    if (count == pending.length) {
      pending = Arrays.copyOf(pending, count * 2);
    }
    pending[count++] = connection;
    if (!scheduled) {
      scheduled = true;
      timing.schedule(flushTask);
    }
  }

  private void flush() {
    scheduled = false;
    // By index, not a copy: a connection written to while the others flush is flushed in this same pass.
    for (int i = 0; i < count; i++) {
      Connection connection = pending[i];
      pending[i] = null;
      connection.flushPending = false;
      connection.flush();
    }
    count = 0;
  }
}
