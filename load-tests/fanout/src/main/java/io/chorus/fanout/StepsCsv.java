package io.chorus.fanout;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The ramp's steps as CSV, one line per measured step (retries included), written as each step ends so that a run
 * cut short keeps what it measured: the latency-vs-rate curve that bench.sh plots.
 */
final class StepsCsv implements AutoCloseable {
    static final String HEADER = "step,target_deliveries_per_s,deliveries_per_s,loss_ratio,p50_ms,p90_ms,p99_ms,p999_ms,"
            + "max_ms,server_cpu_pct,server_us_per_delivery,generator_cpu_pct,frames_per_read,pass";

    private final BufferedWriter out;

    private StepsCsv(BufferedWriter out) {
        this.out = out;
    }

    /** A writer for {@code file}, or one that writes nothing when it is null. */
    static StepsCsv open(Path file) throws IOException {
        if (file == null) {
            return new StepsCsv(null);
        }
        BufferedWriter w = Files.newBufferedWriter(file);
        w.write(HEADER);
        w.newLine();
        w.flush();
        return new StepsCsv(w);
    }

    void write(int step, StepSummary s, boolean pass) throws IOException {
        if (out == null) {
            return;
        }
        out.write(String.format(Locale.ROOT, "%d,%.0f,%.0f,%.6f,%.3f,%.3f,%.3f,%.3f,%.3f,%.1f,%.3f,%.1f,%.3f,%b",
                step, s.targetDeliveriesPerSecond(), s.deliveriesPerSecond(), s.lossRatio(), s.p50Ms(), s.p90Ms(),
                s.p99Ms(), s.p999Ms(), s.maxMs(), s.serverCpuPercent(), s.serverMicrosPerDelivery(),
                s.generatorCpuPercent(), s.framesPerRead(), pass));
        out.newLine();
        out.flush();
    }

    @Override
    public void close() throws IOException {
        if (out != null) {
            out.close();
        }
    }
}
