package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.HttpRejection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.StringJoiner;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The node's refusals of HTTP requests and connections: each is counted in {@code chorus_http_rejections_total}, and
 * one summary line is logged at most once a minute. A client can send thousands of malformed requests a second in
 * one write; a line each would let it fill the disk and bury the lines that matter. Shared by every gateway.
 */
public final class HttpRefusals {

  private static final Logger log = LoggerFactory.getLogger(HttpRefusals.class);
  private static final long SUMMARY_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final HttpRejection[] REASONS = HttpRejection.values();

  private final ChorusMetrics metrics;
  private final AtomicLongArray sinceSummary = new AtomicLongArray(REASONS.length);
  /** When the counts in {@link #sinceSummary} began: the last summary, or the start. */
  private final AtomicLong windowStart;
  private final AtomicLong lastSummary;

  /** @param now the start, on the {@link System#nanoTime()} clock: the first refusals are reported within a tick */
  public HttpRefusals(ChorusMetrics metrics, long now) {
    this.metrics = metrics;
    this.windowStart = new AtomicLong(now);
    this.lastSummary = new AtomicLong(now - SUMMARY_INTERVAL_NANOS);
  }

  void refused(HttpRejection reason) {
    metrics.httpRejection(reason);
    sinceSummary.incrementAndGet(reason.ordinal());
  }

  /** Called on every gateway's heartbeat tick: one of them logs the summary once a minute has passed since the last. */
  void summarizeIfDue(long now) {
    long last = lastSummary.get();
    if (now - last < SUMMARY_INTERVAL_NANOS || !anySince() || !lastSummary.compareAndSet(last, now)) {
      return;
    }
    long seconds = Math.max(1, TimeUnit.NANOSECONDS.toSeconds(now - windowStart.getAndSet(now)));
    long total = 0;
    StringJoiner reasons = new StringJoiner(", ");
    for (HttpRejection reason : REASONS) {
      long count = sinceSummary.getAndSet(reason.ordinal(), 0);
      if (count > 0) {
        total += count;
        reasons.add(reason.label() + " " + count);
      }
    }
    log.warn("Refused {} HTTP requests or connections in the last {} s: {}", total, seconds, reasons);
  }

  private boolean anySince() {
    for (int i = 0; i < REASONS.length; i++) {
      if (sinceSummary.get(i) > 0) {
        return true;
      }
    }
    return false;
  }
}
