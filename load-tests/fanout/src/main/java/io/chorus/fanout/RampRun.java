package io.chorus.fanout;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * Raises the delivery rate by --ramp-factor per step, on the same connections, until a step no
 * longer keeps up (loss, p99 or achieved rate), and reports the highest step that did. With
 * --ramp-through it goes on to --ramp-to for the curve, and --steps-csv writes every step.
 */
final class RampRun {
    private static final Duration RECOVERY = Duration.ofSeconds(5);

    private final Options options;
    private final Engine engine;

    RampRun(Options options, Engine engine) {
        this.options = options;
        this.engine = engine;
    }

    int run(Map<String, String> summary) throws Exception {
        Tally connected = engine.connect();
        System.out.println(Main.header(options, connected));
        if (connected.connectionsReady == 0) {
            System.out.println("no connection became ready; nothing to measure");
            return 1;
        }
        double p99Max = options.p99Max().toNanos() / 1e6;
        System.out.printf(Locale.ROOT, "ramp %,.0f -> %,.0f deliveries/s, x%.2f per step; pass: loss <= %.3f %%, p99 <= %.1f ms, >= 97 %% of target%n",
                options.rampFrom(), options.rampTo(), options.rampFactor(), 100 * options.lossMax(), p99Max);
        StepSummary best = null;
        String stop = "reached --ramp-to";
        boolean failed = false;
        int steps = 0;
        int passedAfterFailure = 0;
        double highestPassed = 0;
        int retries = options.rampRetries();
        try (StepsCsv csv = StepsCsv.open(options.stepsCsv())) {
            for (double d = options.rampFrom(); d <= options.rampTo() * 1.0001; d *= options.rampFactor()) {
                double rate = options.publishRateFor(d);
                StepSummary s = StepSummary.of(
                        engine.step(rate / options.publishers(), options.warmup(), options.duration(), options.drain()),
                        rate, options.protocol() == Protocol.CHORUS_V1);
                steps++;
                boolean pass = s.keepsUp(options.lossMax(), p99Max);
                boolean retry = !pass && !failed && !s.generatorSaturated() && retries > 0;
                System.out.printf("  step %2d %s  %s%n", steps, s.oneLine(), pass ? "ok" : retry ? "FAIL, retrying" : "FAIL");
                csv.write(steps, s, pass);
                if (pass) {
                    highestPassed = Math.max(highestPassed, s.deliveriesPerSecond());
                }
                if (retry) {
                    // One bad step on a shared machine can be a neighbour's burst: same rate once more,
                    // after a pause without traffic so that the server can flush what it still queues.
                    retries--;
                    d /= options.rampFactor();
                    Main.await(RECOVERY);
                    continue;
                }
                if (!pass && !failed) {
                    // A saturated generator cannot tell whether the server fell behind: the maximum is then a lower
                    // bound. A step that passes counts whatever the generator's CPU: the rate was delivered.
                    stop = s.generatorSaturated()
                            ? "generator saturated (CPU " + StepSummary.fmt(s.generatorCpuPercent()) + " %)"
                            : "first step that did not keep up";
                    failed = true;
                } else if (pass && failed) {
                    passedAfterFailure++;
                }
                if (failed) {
                    // Past the first failure the steps only draw the curve (a latency valley shows as failing steps
                    // below passing ones), until the generator is the limit, the room has lost connections, or the
                    // server delivers under half the target: far past its ceiling, higher steps only queue more.
                    if (!options.rampThrough() || s.generatorSaturated() || s.closedDuringStep() > 0
                            || s.deliveriesPerSecond() < 0.5 * s.targetDeliveriesPerSecond()) {
                        break;
                    }
                    if (!pass) {
                        Main.await(RECOVERY);
                    }
                    continue;
                }
                best = s;
            }
        }
        summary.put("steps", Integer.toString(steps));
        summary.put("stopped_by", stop.replace(' ', '_'));
        summary.put("highest_passing_deliveries_per_s", StepSummary.fmt(highestPassed));
        summary.put("passed_after_first_failure", Integer.toString(passedAfterFailure));
        if (options.rampThrough() && failed) {
            System.out.printf(Locale.ROOT, "after the first failing step: %d step%s passed, the highest at %,.0f deliveries/s%n",
                    passedAfterFailure, passedAfterFailure == 1 ? "" : "s", highestPassed);
        }
        if (best == null) {
            System.out.println("no step kept up (" + stop + ")");
            summary.put("max_deliveries_per_s", "0");
            return 0;
        }
        System.out.printf(Locale.ROOT, "max sustained: %,.0f deliveries/s (p99 %.3f ms), stopped by: %s%n",
                best.deliveriesPerSecond(), best.p99Ms(), stop);
        System.out.print(best.details());
        summary.put("max_deliveries_per_s", StepSummary.fmt(best.deliveriesPerSecond()));
        best.putInto(summary, "best_");
        return 0;
    }
}
