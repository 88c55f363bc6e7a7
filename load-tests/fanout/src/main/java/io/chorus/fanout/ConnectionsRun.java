package io.chorus.fanout;

import java.util.Locale;
import java.util.Map;

/**
 * Idle connections: opens N at --connect-rate, holds them for --hold, then reports how many are
 * still open and what each costs the server, against a baseline taken before the first one.
 */
final class ConnectionsRun {
    private final Options options;
    private final Engine engine;

    ConnectionsRun(Options options, Engine engine) {
        this.options = options;
        this.engine = engine;
    }

    int run(Map<String, String> summary) throws Exception {
        long pid = options.serverPid();
        Memory before = sample(pid);
        long t0 = System.nanoTime();
        Tally connected = engine.connect();
        double openSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(Main.header(options, connected));
        System.out.printf(Locale.ROOT, "opened in %.1f s; holding %s%n", openSeconds, Main.human(options.duration()));
        Main.await(options.duration());
        Tally held = engine.status();
        Memory after = sample(pid);
        long open = held.connectionsOpen;
        System.out.printf(Locale.ROOT, "still open after hold: %,d of %,d (ready %,d, failed %,d, closed %,d)%n",
                open, options.connections(), held.connectionsReady, held.connectionsFailed,
                held.connectionsReady - held.connectionsOpen);
        summary.put("connections", Integer.toString(options.connections()));
        summary.put("ready", Long.toString(held.connectionsReady));
        summary.put("open", Long.toString(open));
        summary.put("failed", Long.toString(held.connectionsFailed));
        summary.put("open_seconds", StepSummary.fmt(openSeconds));
        report("rss", before.rss, after.rss, open, summary);
        report("heap", before.jvm.heapBytes(), after.jvm.heapBytes(), open, summary);
        report("direct", before.jvm.directBytes(), after.jvm.directBytes(), open, summary);
        report("heap_direct", before.jvm.total(), after.jvm.total(), open, summary);
        return open == options.connections() ? 0 : 1;
    }

    private record Memory(long rss, Probe.JvmMemory jvm) {
    }

    private Memory sample(long pid) {
        if (options.serverGc() && pid > 0) {
            Probe.collectGarbage(pid);
        }
        return new Memory(Probe.rssBytes(pid), Probe.scrape(options.metricsUrl()));
    }

    private static void report(String what, long before, long after, long open, Map<String, String> summary) {
        if (before < 0 || after < 0 || open <= 0) {
            System.out.printf("  %-12s unknown%n", what);
            return;
        }
        double perConnection = (double) (after - before) / open;
        System.out.printf(Locale.ROOT, "  %-12s %,8.1f MiB -> %,8.1f MiB : %,8.0f bytes per connection%n",
                what, before / 1048576.0, after / 1048576.0, perConnection);
        summary.put(what + "_before_bytes", Long.toString(before));
        summary.put(what + "_after_bytes", Long.toString(after));
        summary.put(what + "_per_conn_bytes", StepSummary.fmt(perConnection));
    }
}
