package io.chorus.security;

/**
 * A per-connection message rate: {@code rate} messages per second on average, up to {@code burst} at once. Built
 * once; each connection gets its own {@link RateLimiter}.
 */
public final class RateLimit {

  private final long intervalNanos;
  private final long toleranceNanos;
  private final int closeAfter;

  /**
   * @param rate  messages per second, at least 1
   * @param burst messages that may arrive at once; also how many drops in a row close the connection
   */
  public RateLimit(int rate, int burst) {
    this.intervalNanos = 1_000_000_000L / rate;
    this.toleranceNanos = intervalNanos * (burst - 1);
    this.closeAfter = burst;
  }

  public RateLimiter newLimiter() {
    return new RateLimiter(this);
  }

  long intervalNanos() {
    return intervalNanos;
  }

  long toleranceNanos() {
    return toleranceNanos;
  }

  int closeAfter() {
    return closeAfter;
  }
}
