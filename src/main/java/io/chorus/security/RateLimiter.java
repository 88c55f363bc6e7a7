package io.chorus.security;

/**
 * One connection's token bucket, kept as the generic cell rate algorithm: a single "theoretical arrival time"
 * instead of a token count and a refill time. A message is accepted unless it comes more than the burst tolerance
 * ahead of schedule. Drops accumulate until the bucket has refilled completely, which only a client that calms down
 * achieves; a client that drops a whole burst's worth before that is told to go.
 */
public final class RateLimiter {

  /** What to do with one message. */
  public enum Verdict { ACCEPT, DROP, CLOSE }

  private final RateLimit limit;
  private long theoreticalArrival = Long.MIN_VALUE;
  private int drops;

  RateLimiter(RateLimit limit) {
    this.limit = limit;
  }

  public Verdict admit(long nowNanos) {
    long arrival = theoreticalArrival == Long.MIN_VALUE ? nowNanos : Math.max(theoreticalArrival, nowNanos);
    if (arrival - nowNanos > limit.toleranceNanos()) {
      return ++drops >= limit.closeAfter() ? Verdict.CLOSE : Verdict.DROP;
    }
    if (arrival == nowNanos) {
      drops = 0;
    }
    theoreticalArrival = arrival + limit.intervalNanos();
    return Verdict.ACCEPT;
  }
}
