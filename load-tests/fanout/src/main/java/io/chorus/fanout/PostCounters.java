package io.chorus.fanout;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** The counters of {@code http-publish}: one per event loop while it runs, then merged. */
final class PostCounters {
    long sent;
    long measuredSent;
    long answered;
    long measuredAnswered;
    /** Connections the server closed during the run, and of those, the ones with a measured request unanswered. */
    long closed;
    long closedInFlight;
    /** Answers to measured requests by HTTP status (index = status code). */
    final long[] statuses = new long[600];
    final Map<String, Long> failures = new TreeMap<>();
    final Histogram latency = new Histogram(Tally.HIGHEST_LATENCY_NANOS, 3);

    void status(int code) {
        statuses[code >= 0 && code < statuses.length ? code : 0]++;
    }

    void recordLatency(long nanos) {
        latency.recordValue(Math.max(0, Math.min(nanos, Tally.HIGHEST_LATENCY_NANOS)));
    }

    void addFailure(String reason) {
        failures.merge(reason, 1L, Long::sum);
    }

    PostCounters add(PostCounters o) {
        sent += o.sent;
        measuredSent += o.measuredSent;
        answered += o.answered;
        measuredAnswered += o.measuredAnswered;
        closed += o.closed;
        closedInFlight += o.closedInFlight;
        for (int i = 0; i < statuses.length; i++) {
            statuses[i] += o.statuses[i];
        }
        o.failures.forEach((k, n) -> failures.merge(k, n, Long::sum));
        latency.add(o.latency);
        return this;
    }

    /** {@code 201: 1,234, 429: 5}, the statuses that occurred, in order. */
    String statusLine() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < statuses.length; i++) {
            if (statuses[i] > 0) {
                sb.append(sb.length() == 0 ? "" : ", ").append(i == 0 ? "other" : i).append(": ")
                        .append(String.format(Locale.ROOT, "%,d", statuses[i]));
            }
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }
}
