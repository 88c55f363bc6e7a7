package io.chorus.hub;

import io.netty.util.concurrent.EventExecutor;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * When an event loop's flush task runs: at the end of the current turn while broadcasts come rarely, after the write
 * delay while they come often enough that waiting gathers several into one send. A wait that gathers nothing costs
 * latency and CPU (the flush then finds the connections the broadcast touched out of the cache: 0.91× the CPU per
 * delivery at 100 broadcasts a second without it), and one that gathers many saves a send per connection for each
 * broadcast gathered (0.80× at 500 a second). The rate is an average of the intervals between the loop's
 * broadcasts, each counting for an eighth, so that a single burst or pause does not switch it; broadcasts, not
 * flushes, because a wait that gathers two broadcasts halves the flushes and would read as a rate too low to wait.
 * The rate is the loop's, all its rooms together: a thousand rooms with a message a second each read as a high rate
 * and wait, as every flush did before this switch, though a connection in one of them gains nothing from the wait.
 */
public final class FlushTiming {

  /** Wait only while broadcasts come more often than once per this many write delays (1 ms: 250 a second). */
  private static final int GATHERING_DELAYS = 4;

  /** An interval counts for at most this many write delays: a long pause reads as rare, not as forever. */
  private static final int LONGEST_DELAYS = 2 * GATHERING_DELAYS;

  private final Executor endOfTurn;
  private final EventExecutor eventLoop;
  private final long delay;
  private long lastBroadcast;
  private long averageInterval;

  private FlushTiming(Executor endOfTurn, EventExecutor eventLoop, long delay) {
    this.endOfTurn = endOfTurn;
    this.eventLoop = eventLoop;
    this.delay = delay;
    this.averageInterval = LONGEST_DELAYS * delay;
    this.lastBroadcast = delay == 0 ? 0 : eventLoop.ticker().nanoTime() - averageInterval;
  }

  /** Flushes that wait up to {@code writeDelay} on {@code eventLoop} under a high broadcast rate; never when zero. */
  public static FlushTiming of(EventExecutor eventLoop, Duration writeDelay) {
    return new FlushTiming(eventLoop, eventLoop, writeDelay.toNanos());
  }

  /** Flushes that never wait: each runs on {@code endOfTurn}, which runs it after the current event-loop turn. */
  public static FlushTiming endOfTurn(Executor endOfTurn) {
    return new FlushTiming(endOfTurn, null, 0);
  }

  /** A message is being sent to a room's members on this loop. */
  void broadcast() {
    if (delay == 0) {
      return;
    }
    long now = eventLoop.ticker().nanoTime();
    long interval = Math.min(now - lastBroadcast, LONGEST_DELAYS * delay);
    lastBroadcast = now;
    averageInterval += (interval - averageInterval) / 8;
  }

  /**
   * Runs the flush task: after the write delay while broadcasts come often, at the end of the turn otherwise. Without
   * a delay the average stays 0, never under 0 delays.
   */
  void schedule(Runnable flush) {
    if (averageInterval < GATHERING_DELAYS * delay) {
      eventLoop.schedule(flush, delay, TimeUnit.NANOSECONDS);
    } else {
      endOfTurn.execute(flush);
    }
  }
}
