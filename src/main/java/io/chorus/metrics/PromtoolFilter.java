package io.chorus.metrics;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.config.MeterFilterReply;

import java.util.Set;

/**
 * Keeps the exposition clean for {@code promtool check metrics}, which a few third-party meters would fail: it
 * drops two meters whose names carry abbreviated units (and duplicate better ones), renames the CPU count that
 * looks like a histogram count, and gives every meter a help text.
 */
public final class PromtoolFilter implements MeterFilter {

  /** {@code jvm_compilation_time_ms_total} and {@code process_cpu_time_ns_total}: see {@code process_cpu_usage}. */
  private static final Set<String> DENIED = Set.of("jvm.compilation.time", "process.cpu.time");

  @Override
  public MeterFilterReply accept(Meter.Id id) {
    return DENIED.contains(id.getName()) ? MeterFilterReply.DENY : MeterFilterReply.NEUTRAL;
  }

  @Override
  public Meter.Id map(Meter.Id id) {
    Meter.Id mapped = id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
    if (mapped.getDescription() != null) {
      return mapped;
    }
    return new Meter.Id(mapped.getName(), Tags.of(mapped.getTagsAsIterable()), mapped.getBaseUnit(),
        "Meter " + mapped.getName() + " (no description from its library)", mapped.getType());
  }
}
