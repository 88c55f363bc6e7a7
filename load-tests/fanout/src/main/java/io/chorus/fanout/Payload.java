package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The benchmark message: {@code ~PPPPPPPPSSSSSSSSTTTTTTTTTTTTTTTTF} followed by padding, all ASCII so
 * that it is valid UTF-8 and a valid JSON string. P is the publisher id, S its sequence number,
 * T the send time (System.nanoTime, hex), F is {@code M} for messages sent inside the measurement
 * window and {@code W} for warm-up and drain traffic.
 *
 * <p>The send time is System.nanoTime(). On Linux HotSpot reads CLOCK_MONOTONIC, a clock shared by
 * every process of the machine, so times written by one generator process can be subtracted from
 * times read by another (checked when --processes > 1 splits publishers and subscribers).
 */
final class Payload {
    static final byte MARKER = '~';
    static final byte MEASURED = 'M';
    static final byte UNMEASURED = 'W';
    static final int PUBLISHER_OFFSET = 1;
    static final int SEQUENCE_OFFSET = 9;
    static final int TIME_OFFSET = 17;
    static final int FLAG_OFFSET = 33;
    static final int HEADER_BYTES = 34;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private Payload() {
    }

    /** Writes a payload of {@code size} bytes with publisher id set and sequence/time/flag zeroed. */
    static byte[] template(int publisher, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) 'x');
        b[0] = MARKER;
        for (int i = 0; i < 8; i++) {
            b[PUBLISHER_OFFSET + i] = HEX[(publisher >>> (28 - 4 * i)) & 0xf];
        }
        Arrays.fill(b, SEQUENCE_OFFSET, FLAG_OFFSET, (byte) '0');
        b[FLAG_OFFSET] = UNMEASURED;
        return b;
    }

    /** Patches sequence, time and flag into a payload that starts at {@code at} in {@code buf}. */
    static void stamp(ByteBuf buf, int at, int sequence, long nanoTime, boolean measured) {
        for (int i = 0; i < 8; i++) {
            buf.setByte(at + SEQUENCE_OFFSET + i, HEX[(sequence >>> (28 - 4 * i)) & 0xf]);
        }
        for (int i = 0; i < 16; i++) {
            buf.setByte(at + TIME_OFFSET + i, HEX[(int) (nanoTime >>> (60 - 4 * i)) & 0xf]);
        }
        buf.setByte(at + FLAG_OFFSET, measured ? MEASURED : UNMEASURED);
    }

    static boolean isPayload(ByteBuf buf, int at, int length) {
        return length >= HEADER_BYTES && buf.getByte(at) == MARKER;
    }

    /** Parses {@code digits} lowercase hex digits; returns -1 when one is not a hex digit. */
    static long hex(ByteBuf buf, int at, int digits) {
        long v = 0;
        for (int i = 0; i < digits; i++) {
            int c = buf.getByte(at + i);
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (c >= 'a' && c <= 'f') {
                d = c - 'a' + 10;
            } else {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }
}
