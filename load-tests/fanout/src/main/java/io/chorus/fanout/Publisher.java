package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;

/**
 * A connection that publishes. Its frame is encoded once (header, zero mask, Socket.IO wrapper,
 * payload); each send copies the frame and patches sequence, time and flag in place.
 */
final class Publisher {
    /** Bound on one burst, so a stalled event loop catches up over several ticks, not in one write. */
    private static final int MAX_BURST = 4096;

    final int id;
    /**
     * Where in its period this publisher sends, as a fraction: publishers are spread evenly, so
     * the total stream is one message every 1/R s, not P messages at once every P/R s.
     */
    private final double phase;
    private final Client client;
    private final ByteBuf frame;
    private final int payloadOffset;
    private int sequence;
    private long sentInStep;

    Publisher(int id, int publisherTotal, Client client, int payloadBytes) {
        this.id = id;
        this.phase = (double) id / publisherTotal;
        this.client = client;
        byte[] prefix = client.protocol.eventPrefix();
        byte[] suffix = client.protocol.eventSuffix();
        int length = prefix.length + payloadBytes + suffix.length;
        ByteBuf f = Unpooled.buffer(Frames.headerLength(length) + length);
        Frames.writeHeader(f, Frames.OP_TEXT, length);
        payloadOffset = f.writerIndex() + prefix.length;
        f.writeBytes(prefix).writeBytes(Payload.template(id, payloadBytes)).writeBytes(suffix);
        frame = Unpooled.unreleasableBuffer(f.asReadOnly());
    }

    void startStep() {
        sentInStep = 0;
    }

    /**
     * Sends what the schedule says is due by {@code elapsedNanos} into the step at
     * {@code ratePerSecond}; all frames of one tick go out in one buffer and one flush.
     */
    void tick(long elapsedNanos, double ratePerSecond, long now, boolean measured, Tally tally) {
        long due = (long) (elapsedNanos * ratePerSecond / 1e9 + phase);
        int n = (int) Math.min(due - sentInStep, MAX_BURST);
        if (n <= 0) {
            return;
        }
        sentInStep += n;
        Channel ch = client.channel();
        if (!ch.isActive()) {
            return;
        }
        if (!ch.isWritable()) {
            // The server does not read fast enough: skip rather than queue without bound.
            if (measured) {
                tally.skippedMeasured += n;
            }
            return;
        }
        int frameLength = frame.readableBytes();
        ByteBuf out = ch.alloc().directBuffer(frameLength * n);
        for (int i = 0; i < n; i++) {
            int at = out.writerIndex() + payloadOffset;
            out.writeBytes(frame, frame.readerIndex(), frameLength);
            Payload.stamp(out, at, sequence++, now, measured);
        }
        ch.writeAndFlush(out, ch.voidPromise());
        tally.sentTotal += n;
        if (measured) {
            tally.sentMeasured += n;
        }
    }
}
