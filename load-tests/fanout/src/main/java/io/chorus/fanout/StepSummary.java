package io.chorus.fanout;

import java.util.Locale;
import java.util.Map;

/** What one step means: the raw tally turned into rates, ratios and milliseconds. */
record StepSummary(
        long receivers,
        double targetPublishRate,
        double seconds,
        long sent,
        long skipped,
        long expected,
        long delivered,
        long loss,
        double lossRatio,
        double deliveriesPerSecond,
        double targetDeliveriesPerSecond,
        long outOfOrder,
        long duplicates,
        long closedDuringStep,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        double generatorCpuPercent,
        int generatorCores,
        double serverCpuPercent,
        double maxTickGapMs,
        boolean structured,
        Tally tally) {

    /** Above this share of its cores the generator may be what limits the numbers. */
    static final double SATURATED = 0.85;

    /** @param structured chorus.v1: acks and room sequence numbers are reported too */
    static StepSummary of(Tally t, double targetPublishRate, boolean structured) {
        long receivers = t.connectionsOpen + t.closedDuringStep;
        double seconds = t.measureNanos / 1e9;
        long expected = t.sentMeasured * receivers;
        long loss = expected - t.delivered;
        var h = t.latency;
        return new StepSummary(receivers, targetPublishRate, seconds, t.sentMeasured, t.skippedMeasured,
                expected, t.delivered, loss, expected == 0 ? 0 : (double) loss / expected,
                t.delivered / seconds, targetPublishRate * receivers,
                t.outOfOrder, t.duplicates, t.closedDuringStep,
                ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)), ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
                100.0 * t.generatorCpuNanos / t.measureNanos, t.generatorCores,
                t.serverCpuNanos < 0 ? -1 : 100.0 * t.serverCpuNanos / t.measureNanos,
                t.maxTickGapNanos / 1e6, structured, t);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** Above 1 when the server writes several frames to a socket per send: cheaper to receive. */
    double framesPerRead() {
        return tally.reads == 0 ? 0 : (double) tally.frames / tally.reads;
    }

    /** What one server frame took on the wire, on average: compare runs with and without permessage-deflate. */
    double bytesPerFrame() {
        return tally.frames == 0 ? 0 : (double) tally.bytesReceived / tally.frames;
    }

    /**
     * µs of server CPU per delivery, which is also CPU seconds per million deliveries; -1 without --server-pid.
     * Unlike the maximum rate, it does not sit at the generator's ceiling: it compares servers at any fixed rate.
     */
    double serverMicrosPerDelivery() {
        return serverCpuPercent < 0 || deliveriesPerSecond == 0 ? -1 : serverCpuPercent * 1e4 / deliveriesPerSecond;
    }

    boolean generatorSaturated() {
        return generatorCpuPercent > SATURATED * 100 * generatorCores;
    }

    /** Delivered at least 97 % of the target rate, lost at most lossMax, p99 within bound. */
    boolean keepsUp(double lossMax, double p99MaxMs) {
        return delivered > 0 && lossRatio <= lossMax && p99Ms <= p99MaxMs
                && deliveriesPerSecond >= 0.97 * targetDeliveriesPerSecond;
    }

    String details() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  publish      target %,.1f msg/s, sent %,.1f msg/s (%,d in %.2f s), skipped for back-pressure %,d%n",
                targetPublishRate, sent / seconds, sent, seconds, skipped));
        sb.append(String.format(Locale.ROOT, "  deliveries   %,.0f/s of %,.0f/s target (%.1f %%), %,d receivers%n",
                deliveriesPerSecond, targetDeliveriesPerSecond, 100 * deliveriesPerSecond / targetDeliveriesPerSecond, receivers));
        sb.append(String.format(Locale.ROOT, "  loss         %,d of %,d expected (%.4f %%), out-of-order %,d, duplicates %,d, closed during step %,d%n",
                loss, expected, 100 * lossRatio, outOfOrder, duplicates, closedDuringStep));
        sb.append(String.format(Locale.ROOT, "  latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
                p50Ms, p90Ms, p99Ms, p999Ms, maxMs));
        sb.append(String.format(Locale.ROOT, "  generator    CPU %.1f %% (of %d core%s), %.2f frames per socket read, max pacing gap %.2f ms%s%n",
                generatorCpuPercent, generatorCores, generatorCores == 1 ? "" : "s", framesPerRead(), maxTickGapMs,
                generatorSaturated() ? "  << GENERATOR SATURATED: numbers are a lower bound for the server" : ""));
        sb.append(String.format(Locale.ROOT, "  wire         %,.1f bytes per frame received, %,d of %,d frames compressed%n",
                bytesPerFrame(), tally.compressedFrames, tally.frames));
        sb.append(serverCpuPercent < 0 ? "  server       CPU unknown (no --server-pid)\n"
                : String.format(Locale.ROOT, "  server       CPU %.1f %%, %.2f µs per delivery (CPU s per million deliveries)%n",
                        serverCpuPercent, serverMicrosPerDelivery()));
        if (structured) {
            var a = tally.ackLatency;
            sb.append(String.format(Locale.ROOT, "  acks         %,d of %,d measured sends (unmatched %,d), p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.3f ms%n",
                    tally.acksMeasured, sent, tally.acksUnmatched, ms(a.getValueAtPercentile(50)),
                    ms(a.getValueAtPercentile(90)), ms(a.getValueAtPercentile(99)), ms(a.getMaxValue())));
            sb.append(String.format(Locale.ROOT, "  room seq     gaps %,d (%,d numbers skipped without a gap push), duplicates %,d, out-of-order %,d, gap pushes %,d, errors %,d%s%n",
                    tally.seqGaps, tally.seqMissing, tally.seqDuplicates, tally.seqOutOfOrder, tally.gapPushes,
                    tally.errors, tally.failures.isEmpty() ? "" : " " + tally.failures));
        }
        if (tally.negativeLatency + tally.unknownPublisher + tally.fragmented > 0) {
            sb.append(String.format(Locale.ROOT, "  anomalies    negative latency %,d, unknown publisher %,d, fragmented %,d%n",
                    tally.negativeLatency, tally.unknownPublisher, tally.fragmented));
        }
        return sb.toString();
    }

    String oneLine() {
        String line = String.format(Locale.ROOT, "%,12.0f/s of %,12.0f/s  loss %7.4f %%  p50 %8.3f  p99 %8.3f  max %9.3f ms  gen CPU %5.1f %% (%.1f frames/read)  server CPU %5.1f %% (%.2f µs/delivery)",
                deliveriesPerSecond, targetDeliveriesPerSecond, 100 * lossRatio, p50Ms, p99Ms, maxMs,
                generatorCpuPercent, framesPerRead(), serverCpuPercent, serverMicrosPerDelivery());
        return structured
                ? line + String.format(Locale.ROOT, "  ack p99 %8.3f ms  gaps %,d", ackPercentileMs(99), tally.seqGaps)
                : line;
    }

    private double ackPercentileMs(double percentile) {
        return ms(tally.ackLatency.getValueAtPercentile(percentile));
    }

    void putInto(Map<String, String> out, String prefix) {
        out.put(prefix + "deliveries_per_s", fmt(deliveriesPerSecond));
        out.put(prefix + "target_deliveries_per_s", fmt(targetDeliveriesPerSecond));
        out.put(prefix + "publish_rate", fmt(targetPublishRate));
        out.put(prefix + "receivers", Long.toString(receivers));
        out.put(prefix + "expected", Long.toString(expected));
        out.put(prefix + "delivered", Long.toString(delivered));
        out.put(prefix + "loss", Long.toString(loss));
        out.put(prefix + "loss_ratio", String.format(Locale.ROOT, "%.6f", lossRatio));
        out.put(prefix + "skipped", Long.toString(skipped));
        out.put(prefix + "out_of_order", Long.toString(outOfOrder));
        out.put(prefix + "duplicates", Long.toString(duplicates));
        out.put(prefix + "closed_during_step", Long.toString(closedDuringStep));
        out.put(prefix + "p50_ms", fmt3(p50Ms));
        out.put(prefix + "p90_ms", fmt3(p90Ms));
        out.put(prefix + "p99_ms", fmt3(p99Ms));
        out.put(prefix + "p999_ms", fmt3(p999Ms));
        out.put(prefix + "max_ms", fmt3(maxMs));
        out.put(prefix + "generator_cpu_pct", fmt(generatorCpuPercent));
        out.put(prefix + "generator_saturated", Boolean.toString(generatorSaturated()));
        out.put(prefix + "frames_per_read", fmt3(framesPerRead()));
        out.put(prefix + "bytes_per_frame", fmt3(bytesPerFrame()));
        out.put(prefix + "compressed_frames", Long.toString(tally.compressedFrames));
        out.put(prefix + "server_cpu_pct", fmt(serverCpuPercent));
        out.put(prefix + "server_us_per_delivery", fmt3(serverMicrosPerDelivery()));
        if (structured) {
            out.put(prefix + "acks", Long.toString(tally.acksMeasured));
            out.put(prefix + "acks_missing", Long.toString(sent - tally.acksMeasured));
            out.put(prefix + "acks_unmatched", Long.toString(tally.acksUnmatched));
            out.put(prefix + "ack_p50_ms", fmt3(ackPercentileMs(50)));
            out.put(prefix + "ack_p99_ms", fmt3(ackPercentileMs(99)));
            out.put(prefix + "ack_max_ms", fmt3(ms(tally.ackLatency.getMaxValue())));
            out.put(prefix + "gaps", Long.toString(tally.seqGaps));
            out.put(prefix + "gap_missing", Long.toString(tally.seqMissing));
            out.put(prefix + "seq_duplicates", Long.toString(tally.seqDuplicates));
            out.put(prefix + "seq_out_of_order", Long.toString(tally.seqOutOfOrder));
            out.put(prefix + "gap_pushes", Long.toString(tally.gapPushes));
            out.put(prefix + "errors", Long.toString(tally.errors));
        }
    }

    static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String fmt3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
