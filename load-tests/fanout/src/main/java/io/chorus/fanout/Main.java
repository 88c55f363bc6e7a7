package io.chorus.fanout;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Parses the options, enforces the hard run-time cap, runs the mode, writes the summary. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Options options;
        try {
            options = Options.parse(args);
        } catch (Options.UsageException e) {
            if (e.getMessage() == null) {
                System.out.print(Options.HELP);
                System.exit(0);
            }
            System.err.println("fanout: " + e.getMessage() + " (see --help)");
            System.exit(2);
            return;
        }
        enforceMaxRuntime(options.maxRuntime());
        Map<String, String> summary = new LinkedHashMap<>();
        summary.put("mode", options.mode().name().toLowerCase(Locale.ROOT));
        summary.put("protocol", options.protocol().wireName());
        summary.put("transport", options.transport().name().toLowerCase(Locale.ROOT));
        summary.put("url", options.url().toString());
        summary.put("publisher_url", options.publisherUrl().toString());
        int code;
        if (options.mode() == Options.Mode.HTTP_PUBLISH) {
            code = new HttpPublishRun(options).run(summary);
        } else {
            try (Engine engine = engine(options)) {
                code = switch (options.mode()) {
                    case FANOUT -> new FanoutRun(options, engine).run(summary);
                    case RAMP -> new RampRun(options, engine).run(summary);
                    case CONNECTIONS -> new ConnectionsRun(options, engine).run(summary);
                    case HTTP_PUBLISH -> throw new IllegalStateException("http-publish has no fan-out engine");
                };
            }
        }
        if (options.summary() != null) {
            StringBuilder sb = new StringBuilder();
            summary.forEach((k, v) -> sb.append(k).append('=').append(v).append('\n'));
            try {
                Files.writeString(options.summary(), sb.toString());
            } catch (IOException e) {
                System.err.println("fanout: cannot write " + options.summary() + ": " + e.getMessage());
                code = Math.max(code, 1);
            }
        }
        System.exit(code);
    }

    static Engine engine(Options options) throws IOException {
        return options.processes() > 1 ? new ForkedEngine(options) : new LocalEngine(options, Share.whole(options));
    }

    /** Whatever happens, the process ends after {@code cap}: no load loop can outlive it. */
    static void enforceMaxRuntime(Duration cap) {
        ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "fanout-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.schedule(() -> {
            System.err.println("fanout: --max-runtime " + human(cap) + " reached, exiting");
            Runtime.getRuntime().halt(3);
        }, cap.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Waits {@code d} on a timer thread (the caller blocks on a future, nothing sleeps). */
    static void await(Duration d) {
        CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(d.toMillis(), TimeUnit.MILLISECONDS)).join();
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    static String header(Options o, Tally connected) {
        return String.format(Locale.ROOT,
                "%s %s%s %s%s | connections ready %,d of %,d (failed %,d)%s | %d process%s x %d thread%s, %d source addresses",
                o.mode().name().toLowerCase(Locale.ROOT), o.protocol().wireName(),
                o.transport() == Options.Transport.SSE ? " (subscribers read GET /sse/<room>)" : "",
                o.url(), (o.publisherUrl().equals(o.url()) ? "" : " (publishers at " + o.publisherUrl() + ")")
                        + ("wss".equals(o.url().getScheme()) ? " TLS client: " + ClientTls.engine() : ""),
                connected.connectionsReady, o.totalConnections(), connected.connectionsFailed,
                connected.failures.isEmpty() ? "" : " " + connected.failures,
                o.processes(), o.processes() == 1 ? "" : "es", o.threads(), o.threads() == 1 ? "" : "s",
                o.sourceAddresses());
    }
}
