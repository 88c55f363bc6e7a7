package io.chorus.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Unexpected exceptions, which are Chorus's bugs or its platform's, never a client's doing: each is counted in
 * {@code chorus_errors_total{where}}, and logged at most once a minute per place, since one bug hit by every message
 * would otherwise write a line per message. The first line of each place carries the stack trace; later ones, the
 * exception's class and message and how many went unlogged since. Shared by every event loop of the node.
 */
public final class Failures {

  private static final Logger log = LoggerFactory.getLogger(Failures.class);
  static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

  private final Map<Where, Counter> counters = new EnumMap<>(Where.class);
  private final LongSupplier clock;
  /** Per place: when it was last logged, or Long.MIN_VALUE before its first line. */
  private final AtomicLongArray lastLogged = new AtomicLongArray(Where.values().length);
  private final AtomicLongArray unlogged = new AtomicLongArray(Where.values().length);

  Failures(MeterRegistry registry, LongSupplier clock) {
    this.clock = clock;
    for (Where where : Where.values()) {
      counters.put(where, Counter.builder("chorus_errors")
          .description("Unexpected exceptions (Chorus's faults, never a client's), by where they happened")
          .tag("where", where.label())
          .register(registry));
      lastLogged.set(where.ordinal(), Long.MIN_VALUE);
    }
  }

  /** Counts the exception and logs it unless its place was logged less than a minute ago. */
  public void report(Where where, Throwable cause) {
    counters.get(where).increment();
    int slot = where.ordinal();
    long now = clock.getAsLong();
    long last = lastLogged.get(slot);
    boolean due = last == Long.MIN_VALUE || now - last >= LOG_INTERVAL_NANOS;
    if (!due || !lastLogged.compareAndSet(slot, last, now)) {
      unlogged.incrementAndGet(slot);
      return;
    }
    long skipped = unlogged.getAndSet(slot, 0);
    if (last == Long.MIN_VALUE) {
      log.error("Unexpected exception in {}", where.label(), cause);
    } else {
      log.error("Unexpected exception in {}: {}: {} ({} more since the last line, counted in chorus_errors_total)",
          where.label(), cause.getClass().getName(), cause.getMessage(), skipped);
    }
  }
}
