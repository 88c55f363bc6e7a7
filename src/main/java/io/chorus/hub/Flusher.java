package io.chorus.hub;

import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One event loop's connections written to since the last flush, each listed once however many rooms wrote to it.
 * One task flushes them all: many messages reach a connection with a single system call, and on loopback a send
 * costs about 4 µs of kernel time whatever its size.
 *
 * <p>The task is paced by the cost of the last flush: it runs no sooner than the last one took after that one ended,
 * so that flushing takes at most half of the loop's time, the other half reading and encoding what comes in. On a
 * quiet loop a flush of 1,000 connections takes about 4 ms and the next message comes later anyway: it is written at
 * once. Once messages come faster than flushes end (300 messages a second into a room of 1,000 on one core, where a
 * fixed delay of 1 ms saturated the core and lifted p99 past 50 ms), each flush carries every message that came
 * during the wait, so sends per message fall as the load rises, and a message waits about two flushes at most.
 *
 * <p>A connection that left its rooms, or closed, after being written to is still flushed: what it was sent goes out.
 */
final class Flusher {

  /**
   * The longest wait the pacing adds: a flush that took longer (many thousands of connections on one loop) does not
   * hold the next one back longer than this, which keeps a message's extra latency within a few tens of ms.
   */
  static final long MAX_PACING_NANOS = 20_000_000;

  private final FlushScheduler scheduler;
  private final LongSupplier nanoTime;
  private final Runnable flushTask = this::flush;
  private Connection[] pending = new Connection[16];
  private int count;
  private boolean scheduled;
  /** When the next flush may start, by System.nanoTime(): the end of the last one plus its cost. */
  private long nextFlushNanos;

  Flusher(FlushScheduler scheduler) {
    this(scheduler, System::nanoTime);
  }

  /** @param nanoTime the clock of the pacing */
  Flusher(FlushScheduler scheduler, LongSupplier nanoTime) {
    this.scheduler = scheduler;
    this.nanoTime = nanoTime;
    this.nextFlushNanos = nanoTime.getAsLong();
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
      scheduler.schedule(flushTask, Math.max(0, nextFlushNanos - nanoTime.getAsLong()));
    }
  }

  private void flush() {
    long start = nanoTime.getAsLong();
    // By index, not a copy: a connection written to while the others flush is flushed in this same pass, with no
    // task of its own (this one is still the scheduled one).
    for (int i = 0; i < count; i++) {
      Connection connection = pending[i];
      pending[i] = null;
      connection.flushPending = false;
      connection.flush();
    }
    count = 0;
    scheduled = false;
    long end = nanoTime.getAsLong();
    nextFlushNanos = end + Math.min(end - start, MAX_PACING_NANOS);
  }
}
