package io.chorus.fanout;

import java.util.Locale;
import java.util.Map;

/** What an {@code http-publish} window means: requests/s, statuses, latency, and the CPU each side spent. */
record PostSummary(PostCounters counters, double seconds, int connections, double generatorCpuPercent,
        double serverCpuPercent) {

    double requestsPerSecond() {
        return counters.measuredAnswered / seconds;
    }

    double createdPerSecond() {
        return counters.statuses[201] / seconds;
    }

    /** Server CPU time per answered request, in microseconds; -1 when the server's CPU is unknown. */
    double serverMicrosPerRequest() {
        return serverCpuPercent < 0 || counters.measuredAnswered == 0 ? -1
                : serverCpuPercent / 100 * seconds * 1e6 / counters.measuredAnswered;
    }

    private double ms(double percentile) {
        return counters.latency.getValueAtPercentile(percentile) / 1e6;
    }

    String details() {
        PostCounters c = counters;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  requests     %,.1f/s answered (%,d of %,d sent in %.2f s, %,d unanswered), %,.1f/s created (201)%n",
                requestsPerSecond(), c.measuredAnswered, c.measuredSent, seconds,
                c.measuredSent - c.measuredAnswered, createdPerSecond()));
        sb.append(String.format(Locale.ROOT, "  statuses     %s%n", c.statusLine()));
        sb.append(String.format(Locale.ROOT, "  latency      p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms%n",
                ms(50), ms(90), ms(99), ms(99.9), c.latency.getMaxValue() / 1e6));
        sb.append(String.format(Locale.ROOT, "  generator    CPU %.1f %%%s%n", generatorCpuPercent,
                generatorCpuPercent > StepSummary.SATURATED * 100 * Runtime.getRuntime().availableProcessors()
                        ? "  << GENERATOR SATURATED: numbers are a lower bound for the server" : ""));
        sb.append(serverCpuPercent < 0 ? "  server       CPU unknown (no --server-pid)\n"
                : String.format(Locale.ROOT, "  server       CPU %.1f %%, %.1f µs per request%n", serverCpuPercent,
                        serverMicrosPerRequest()));
        sb.append(String.format(Locale.ROOT, "  connections  %,d; closed by the server during the run %,d (%,d with a measured request unanswered)%s%n",
                connections, c.closed, c.closedInFlight, c.failures.isEmpty() ? "" : ", failures " + c.failures));
        return sb.toString();
    }

    void putInto(Map<String, String> out) {
        PostCounters c = counters;
        out.put("requests_per_s", StepSummary.fmt(requestsPerSecond()));
        out.put("created_per_s", StepSummary.fmt(createdPerSecond()));
        out.put("seconds", StepSummary.fmt3(seconds));
        out.put("sent", Long.toString(c.measuredSent));
        out.put("answered", Long.toString(c.measuredAnswered));
        out.put("unanswered", Long.toString(c.measuredSent - c.measuredAnswered));
        for (int i = 0; i < c.statuses.length; i++) {
            if (c.statuses[i] > 0) {
                out.put("status_" + (i == 0 ? "other" : Integer.toString(i)), Long.toString(c.statuses[i]));
            }
        }
        out.put("p50_ms", StepSummary.fmt3(ms(50)));
        out.put("p90_ms", StepSummary.fmt3(ms(90)));
        out.put("p99_ms", StepSummary.fmt3(ms(99)));
        out.put("p999_ms", StepSummary.fmt3(ms(99.9)));
        out.put("max_ms", StepSummary.fmt3(c.latency.getMaxValue() / 1e6));
        out.put("generator_cpu_pct", StepSummary.fmt(generatorCpuPercent));
        out.put("server_cpu_pct", StepSummary.fmt(serverCpuPercent));
        out.put("server_us_per_request", StepSummary.fmt(serverMicrosPerRequest()));
        out.put("closed", Long.toString(c.closed));
    }
}
