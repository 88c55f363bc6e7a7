package io.chorus.config;

import java.time.Duration;

/**
 * How long the server waits, and how often it checks.
 *
 * @param writeDelay       how long broadcasts may wait to be written to a connection together with later ones, while
 *                         they come often
 * @param pingInterval     between two pings of a connection
 * @param idleTimeout      silence after which a connection is closed
 * @param pollTimeout      how long a long poll waits for a message before it is answered without one
 * @param handshakeTimeout for a connection that is not a WebSocket to send each complete request, head and body,
 *                         from its opening or the end of its previous request; also its keep-alive idle time
 * @param closeTimeout     for a client to answer the server's close frame
 * @param drainPeriod      over which connections are closed at shutdown
 */
public record Timeouts(
    Duration writeDelay,
    Duration pingInterval,
    Duration idleTimeout,
    Duration pollTimeout,
    Duration handshakeTimeout,
    Duration closeTimeout,
    Duration drainPeriod) {

  /** The shortest tick: cheap enough on an idle event loop. */
  private static final Duration MIN_TICK = Duration.ofMillis(10);
  /** The longest tick: a deadline of hours is still checked every second. */
  private static final Duration MAX_TICK = Duration.ofSeconds(1);

  /**
   * How often a timer that enforces deadlines checks them: a tenth of the shortest deadline, so that none is late by
   * more than 10 %, between {@link #MIN_TICK} and {@link #MAX_TICK}.
   */
  public static Duration tick(Duration shortestDeadline) {
    Duration tenth = shortestDeadline.dividedBy(10);
    return tenth.compareTo(MIN_TICK) < 0 ? MIN_TICK : tenth.compareTo(MAX_TICK) > 0 ? MAX_TICK : tenth;
  }

  /** The longest a clean shutdown may take: the drain, the last closing handshakes, and stopping Vert.x. */
  public Duration shutdownBound() {
    return drainPeriod.plus(closeTimeout).plusSeconds(2);
  }
}
