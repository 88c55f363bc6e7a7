package io.chorus.hub;

import java.time.Instant;

/**
 * Nanoseconds since the epoch, read from the monotonic clock. Calibrated once against the wall clock (microsecond
 * precision on Linux), so that ingress times taken on one node can be compared with delivery times on another node of
 * the same machine or of NTP-synchronised machines, while staying immune to wall-clock steps within one process.
 */
public final class EpochClock {

  private static final long OFFSET = calibrate();

  private EpochClock() {
  }

  public static long nanos() {
    return System.nanoTime() + OFFSET;
  }

  private static long calibrate() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
  }
}
