package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import java.util.Arrays;

/**
 * A connection that publishes. Its frame is encoded once (header, zero mask, Socket.IO or chorus.v1
 * wrapper, payload); each send copies the frame and patches sequence, time and flag in place, and for
 * chorus.v1 the command id, whose ack is then timed against the send.
 */
final class Publisher {
    /** Bound on one burst, so a stalled event loop catches up over several ticks, not in one write. */
    private static final int MAX_BURST = 4096;
    /**
     * chorus.v1 sends remembered for their acks, by sequence modulo this: 4,096 in flight per
     * publisher is 10 s of a 400 msg/s publisher (4M deliveries/s over 1,010 connections, 10
     * publishers); an ack older than that finds its slot reused and counts as unmatched.
     */
    private static final int ACK_SLOTS = 4096;
    private static final long NOT_MEASURED = Long.MIN_VALUE;

    final int id;
    /**
     * Where in its period this publisher sends, as a fraction: publishers are spread evenly, so
     * the total stream is one message every 1/R s, not P messages at once every P/R s.
     */
    private final double phase;
    private final Client client;
    private final ByteBuf frame;
    private final int payloadOffset;
    /** Offset of the command id in the frame, or -1 when the protocol has none. */
    private final int idOffset;
    private final int[] ackSequence;
    private final long[] ackSentAt;
    private int sequence;
    private long sentInStep;

    Publisher(int id, int publisherTotal, Client client, int payloadBytes) {
        this.id = id;
        this.phase = (double) id / publisherTotal;
        this.client = client;
        byte[] prefix = client.protocol.publishPrefix(client.room());
        byte[] suffix = client.protocol.eventSuffix();
        int length = prefix.length + payloadBytes + suffix.length;
        ByteBuf f = Unpooled.buffer(Frames.headerLength(length) + length);
        Frames.writeHeader(f, Frames.OP_TEXT, length);
        boolean acked = client.protocol == Protocol.CHORUS_V1;
        idOffset = acked ? f.writerIndex() + ChorusV1.ID_OFFSET : -1;
        ackSequence = acked ? new int[ACK_SLOTS] : null;
        ackSentAt = acked ? new long[ACK_SLOTS] : null;
        if (acked) {
            Arrays.fill(ackSequence, -1);
        }
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
            int start = out.writerIndex();
            out.writeBytes(frame, frame.readerIndex(), frameLength);
            if (idOffset >= 0) {
                Payload.writeHex8(out, start + idOffset, sequence);
                int slot = sequence & (ACK_SLOTS - 1);
                ackSequence[slot] = sequence;
                ackSentAt[slot] = measured ? now : NOT_MEASURED;
            }
            Payload.stamp(out, start + payloadOffset, sequence++, now, measured);
        }
        ch.writeAndFlush(out, ch.voidPromise());
        tally.sentTotal += n;
        if (measured) {
            tally.sentMeasured += n;
        }
    }

    /** The ack of the send with this sequence arrived at {@code now}: time it if it was measured. */
    void acked(int acked, long now, Tally tally) {
        int slot = acked & (ACK_SLOTS - 1);
        if (ackSequence == null || acked < 0 || ackSequence[slot] != acked) {
            tally.acksUnmatched++;
            return;
        }
        ackSequence[slot] = -1;
        tally.acks++;
        long sentAt = ackSentAt[slot];
        if (sentAt != NOT_MEASURED) {
            tally.acksMeasured++;
            tally.recordAckLatency(now - sentAt);
        }
    }
}
