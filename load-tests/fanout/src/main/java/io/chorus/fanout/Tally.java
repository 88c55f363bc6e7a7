package io.chorus.fanout;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.zip.DataFormatException;
import org.HdrHistogram.Histogram;

/**
 * Counters of one step (or of the connection phase), first per event loop, then per process, then
 * merged over processes. A child process sends its tally to the parent as one text line.
 */
final class Tally {
    /** Latencies above a minute are clamped: at that point the run has failed anyway. */
    static final long HIGHEST_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(60);

    long connectionsAttempted;
    long connectionsReady;
    long connectionsFailed;
    long connectionsOpen;
    long closedDuringStep;
    long sentMeasured;
    long sentTotal;
    long skippedMeasured;
    long delivered;
    long outOfOrder;
    long duplicates;
    long unknownPublisher;
    long fragmented;
    long otherFrames;
    long reads;
    long frames;
    /** What the server's frames took on the wire (after TLS), and how many of them were permessage-deflate ones. */
    long bytesReceived;
    long compressedFrames;
    /** chorus.v1: a sequence number that skipped ahead with no gap push announcing it. */
    long seqGaps;
    /** chorus.v1: sequence numbers skipped in those jumps. */
    long seqMissing;
    long seqDuplicates;
    long seqOutOfOrder;
    long gapPushes;
    long acks;
    long acksMeasured;
    /** chorus.v1: an ack whose id names no send waiting for one (a second ack, or one too late). */
    long acksUnmatched;
    long errors;
    long negativeLatency;
    long maxTickGapNanos;
    long generatorCpuNanos;
    long serverCpuNanos = -1;
    long measureNanos;
    int generatorCores;
    final Map<String, Long> failures = new TreeMap<>();
    final Histogram latency = new Histogram(HIGHEST_LATENCY_NANOS, 3);
    /** chorus.v1: from a publish command's send to its ack. */
    final Histogram ackLatency = new Histogram(HIGHEST_LATENCY_NANOS, 3);

    void recordLatency(long nanos) {
        if (nanos < 0) {
            negativeLatency++;
            latency.recordValue(0);
        } else {
            latency.recordValue(Math.min(nanos, HIGHEST_LATENCY_NANOS));
        }
    }

    void recordAckLatency(long nanos) {
        ackLatency.recordValue(Math.max(0, Math.min(nanos, HIGHEST_LATENCY_NANOS)));
    }

    void addFailure(String reason, long count) {
        failures.merge(reason, count, Long::sum);
    }

    /** Adds another tally; durations, CPU and tick gaps combine as the slowest or the sum. */
    Tally add(Tally o) {
        connectionsAttempted += o.connectionsAttempted;
        connectionsReady += o.connectionsReady;
        connectionsFailed += o.connectionsFailed;
        connectionsOpen += o.connectionsOpen;
        closedDuringStep += o.closedDuringStep;
        sentMeasured += o.sentMeasured;
        sentTotal += o.sentTotal;
        skippedMeasured += o.skippedMeasured;
        delivered += o.delivered;
        outOfOrder += o.outOfOrder;
        duplicates += o.duplicates;
        unknownPublisher += o.unknownPublisher;
        fragmented += o.fragmented;
        otherFrames += o.otherFrames;
        reads += o.reads;
        frames += o.frames;
        bytesReceived += o.bytesReceived;
        compressedFrames += o.compressedFrames;
        seqGaps += o.seqGaps;
        seqMissing += o.seqMissing;
        seqDuplicates += o.seqDuplicates;
        seqOutOfOrder += o.seqOutOfOrder;
        gapPushes += o.gapPushes;
        acks += o.acks;
        acksMeasured += o.acksMeasured;
        acksUnmatched += o.acksUnmatched;
        errors += o.errors;
        negativeLatency += o.negativeLatency;
        maxTickGapNanos = Math.max(maxTickGapNanos, o.maxTickGapNanos);
        generatorCpuNanos += o.generatorCpuNanos;
        serverCpuNanos = serverCpuNanos >= 0 ? serverCpuNanos : o.serverCpuNanos;
        measureNanos = Math.max(measureNanos, o.measureNanos);
        generatorCores = Math.max(generatorCores, o.generatorCores);
        o.failures.forEach(this::addFailure);
        latency.add(o.latency);
        ackLatency.add(o.ackLatency);
        return this;
    }

    /** Copies the per-step counters and clears them, keeping nothing that spans steps. */
    Tally drain() {
        Tally copy = new Tally().add(this);
        sentMeasured = sentTotal = skippedMeasured = delivered = outOfOrder = duplicates = 0;
        unknownPublisher = fragmented = otherFrames = reads = frames = negativeLatency = maxTickGapNanos = 0;
        bytesReceived = compressedFrames = 0;
        seqGaps = seqMissing = seqDuplicates = seqOutOfOrder = gapPushes = 0;
        acks = acksMeasured = acksUnmatched = errors = 0;
        failures.clear();
        latency.reset();
        ackLatency.reset();
        return copy;
    }

    String encode() {
        StringBuilder sb = new StringBuilder();
        long[] v = values();
        for (int i = 0; i < NAMES.length; i++) {
            sb.append(NAMES[i]).append('=').append(v[i]).append(' ');
        }
        failures.forEach((k, n) -> sb.append("fail.")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(n).append(' '));
        sb.append("latency=").append(encode(latency)).append(' ');
        return sb.append("ackLatency=").append(encode(ackLatency)).toString();
    }

    private static String encode(Histogram h) {
        ByteBuffer buf = ByteBuffer.allocate(h.getNeededByteBufferCapacity());
        int length = h.encodeIntoCompressedByteBuffer(buf);
        byte[] bytes = new byte[length];
        buf.flip();
        buf.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static Histogram decodeHistogram(String base64) {
        try {
            return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(base64)), 0);
        } catch (DataFormatException e) {
            throw new IllegalStateException("child sent a corrupt histogram", e);
        }
    }

    static Tally decode(String line) {
        Tally t = new Tally();
        long[] v = new long[NAMES.length];
        for (String field : line.trim().split(" ")) {
            int eq = field.indexOf('=');
            String key = field.substring(0, eq);
            String value = field.substring(eq + 1);
            if (key.equals("latency")) {
                t.latency.add(decodeHistogram(value));
            } else if (key.equals("ackLatency")) {
                t.ackLatency.add(decodeHistogram(value));
            } else if (key.startsWith("fail.")) {
                t.addFailure(URLDecoder.decode(key.substring(5), StandardCharsets.UTF_8), Long.parseLong(value));
            } else {
                for (int i = 0; i < NAMES.length; i++) {
                    if (NAMES[i].equals(key)) {
                        v[i] = Long.parseLong(value);
                    }
                }
            }
        }
        t.connectionsAttempted = v[0];
        t.connectionsReady = v[1];
        t.connectionsFailed = v[2];
        t.connectionsOpen = v[3];
        t.closedDuringStep = v[4];
        t.sentMeasured = v[5];
        t.sentTotal = v[6];
        t.skippedMeasured = v[7];
        t.delivered = v[8];
        t.outOfOrder = v[9];
        t.duplicates = v[10];
        t.unknownPublisher = v[11];
        t.fragmented = v[12];
        t.otherFrames = v[13];
        t.negativeLatency = v[14];
        t.maxTickGapNanos = v[15];
        t.generatorCpuNanos = v[16];
        t.serverCpuNanos = v[17];
        t.measureNanos = v[18];
        t.generatorCores = (int) v[19];
        t.reads = v[20];
        t.frames = v[21];
        t.seqGaps = v[22];
        t.seqMissing = v[23];
        t.seqDuplicates = v[24];
        t.seqOutOfOrder = v[25];
        t.gapPushes = v[26];
        t.acks = v[27];
        t.acksMeasured = v[28];
        t.acksUnmatched = v[29];
        t.errors = v[30];
        t.bytesReceived = v[31];
        t.compressedFrames = v[32];
        return t;
    }

    private static final String[] NAMES = {
        "attempted", "ready", "failed", "open", "closedDuringStep", "sentMeasured", "sentTotal",
        "skippedMeasured", "delivered", "outOfOrder", "duplicates", "unknownPublisher", "fragmented",
        "otherFrames", "negativeLatency", "maxTickGapNanos", "generatorCpuNanos", "serverCpuNanos",
        "measureNanos", "generatorCores", "reads", "frames", "seqGaps", "seqMissing", "seqDuplicates",
        "seqOutOfOrder", "gapPushes", "acks", "acksMeasured", "acksUnmatched", "errors", "bytesReceived",
        "compressedFrames",
    };

    private long[] values() {
        return new long[] {
            connectionsAttempted, connectionsReady, connectionsFailed, connectionsOpen, closedDuringStep,
            sentMeasured, sentTotal, skippedMeasured, delivered, outOfOrder, duplicates, unknownPublisher,
            fragmented, otherFrames, negativeLatency, maxTickGapNanos, generatorCpuNanos, serverCpuNanos,
            measureNanos, generatorCores, reads, frames, seqGaps, seqMissing, seqDuplicates,
            seqOutOfOrder, gapPushes, acks, acksMeasured, acksUnmatched, errors, bytesReceived,
            compressedFrames,
        };
    }
}
