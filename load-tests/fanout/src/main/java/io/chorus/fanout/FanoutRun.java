package io.chorus.fanout;

import java.util.Map;

/** S subscribers and P publishers at one publish rate: one warm-up, one measurement window. */
final class FanoutRun {
    private final Options options;
    private final Engine engine;

    FanoutRun(Options options, Engine engine) {
        this.options = options;
        this.engine = engine;
    }

    int run(Map<String, String> summary) throws Exception {
        Tally connected = engine.connect();
        System.out.println(Main.header(options, connected));
        summary.put("connections_ready", Long.toString(connected.connectionsReady));
        if (connected.connectionsReady == 0) {
            System.out.println("no connection became ready; nothing to measure");
            return 1;
        }
        double rate = options.fanoutPublishRate();
        System.out.printf("warm-up %s, measuring %s, drain %s at %.1f msg/s over %d publishers, payload %d bytes%n",
                Main.human(options.warmup()), Main.human(options.duration()), Main.human(options.drain()), rate, options.publishers(), options.payloadBytes());
        Tally t = engine.step(rate / options.publishers(), options.warmup(), options.duration(), options.drain());
        StepSummary s = StepSummary.of(t, rate, options.protocol() == Protocol.CHORUS_V1);
        System.out.print(s.details());
        s.putInto(summary, "");
        return 0;
    }
}
