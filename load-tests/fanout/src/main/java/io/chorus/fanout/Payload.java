package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * The benchmark message: {@code ~PPPPPPPPSSSSSSSSTTTTTTTTTTTTTTTTF} followed by padding, all ASCII so
 * that it is valid UTF-8 and a valid JSON string. The padding reads like a chat or ticker feed, so that a server
 * compressing with permessage-deflate shrinks it as it would shrink real messages (a run of one letter would
 * deflate to almost nothing). P is the publisher id, S its sequence number,
 * T the send time (System.nanoTime, hex), F is {@code M} for messages sent inside the measurement
 * window and {@code W} for warm-up and drain traffic.
 *
 * <p>The send time is System.nanoTime(). On Linux, HotSpot reads CLOCK_MONOTONIC, one clock for
 * every process of the machine (it equals /proc/uptime), so a time written by one generator process
 * can be subtracted from a time read in another when --processes splits the connections. A clock
 * that was not shared would show up as negative latencies, which are counted and reported.
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
    /**
     * Ticker updates and chat lines with random figures, 2 KiB, from a fixed seed: they deflate about as real feeds
     * do without context (a 1 KiB payload to about half). No quote or backslash: the payload goes into JSON strings
     * as it is.
     */
    private static final byte[] PADDING = padding(2048);

    private Payload() {
    }

    private static byte[] padding(int size) {
        String[] symbols = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "NFLX", "ORCL", "INTC"};
        String[] lines = {"see you at the standup", "thanks, the deploy went fine", "lunch tomorrow?",
            "the build is green again", "who has the keys to room 4?", "ok, merging now"};
        String[] users = {"alice", "bob", "carol", "dave", "erin"};
        Random random = new Random(42);
        StringBuilder text = new StringBuilder(size + 100);
        while (text.length() < size) {
            if (random.nextInt(3) == 0) {
                text.append(String.format(Locale.ROOT, " %s: %s;", users[random.nextInt(users.length)],
                        lines[random.nextInt(lines.length)]));
            } else {
                text.append(String.format(Locale.ROOT, " %s bid %.2f ask %.2f vol %d chg %.2f;",
                        symbols[random.nextInt(symbols.length)], 50 + random.nextDouble() * 400,
                        50 + random.nextDouble() * 400, random.nextInt(40_000_000), random.nextDouble() * 6 - 3));
            }
        }
        return text.substring(0, size).getBytes(StandardCharsets.US_ASCII);
    }

    /** Writes a payload of {@code size} bytes with publisher id set and sequence/time/flag zeroed. */
    static byte[] template(int publisher, int size) {
        byte[] b = new byte[size];
        for (int i = HEADER_BYTES; i < size; i++) {
            b[i] = PADDING[(i - HEADER_BYTES) % PADDING.length];
        }
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
        writeHex8(buf, at + SEQUENCE_OFFSET, sequence);
        for (int i = 0; i < 16; i++) {
            buf.setByte(at + TIME_OFFSET + i, HEX[(int) (nanoTime >>> (60 - 4 * i)) & 0xf]);
        }
        buf.setByte(at + FLAG_OFFSET, measured ? MEASURED : UNMEASURED);
    }

    /** Writes {@code value} as 8 lowercase hex digits at {@code at}. */
    static void writeHex8(ByteBuf buf, int at, int value) {
        for (int i = 0; i < 8; i++) {
            buf.setByte(at + i, HEX[(value >>> (28 - 4 * i)) & 0xf]);
        }
    }

    static boolean isPayload(ByteBuf buf, int at, int length) {
        return length >= HEADER_BYTES && buf.getByte(at) == MARKER;
    }

    /** The 16 hex digits of a send time, 8 at a time. */
    static long time(ByteBuf buf, int at) {
        return (hex8(buf.getLong(at + TIME_OFFSET)) << 32) | hex8(buf.getLong(at + TIME_OFFSET + 8));
    }

    /**
     * Eight lowercase hex digits packed in a long (first digit in the high byte) to their value,
     * without a branch per digit: a digit's low nibble, plus 9 for letters (bit 6 set), then the
     * nibbles are folded together pairwise. Only for digits this generator wrote: other
     * bytes give garbage, which the caller rejects as an unknown publisher.
     */
    static long hex8(long chars) {
        long letters = (chars >>> 6) & 0x0101010101010101L;
        long x = (chars & 0x0F0F0F0F0F0F0F0FL) + letters * 9;
        x = ((x >>> 4) | x) & 0x00FF00FF00FF00FFL;
        x = ((x >>> 8) | x) & 0x0000FFFF0000FFFFL;
        return ((x >>> 16) | x) & 0xFFFFFFFFL;
    }
}
