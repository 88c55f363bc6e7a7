package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;

/**
 * The generator's side of chorus.v1: the publish command it sends, and the server's frames it reads.
 *
 * <p>A publish is {@code {"id":"SSSSSSSS","type":"publish","room":"R","data":"<payload>"}}: the id is
 * the publisher's sequence in 8 hex digits, a fixed width, so the frame is still encoded once and
 * patched per send, and the ack names the message it answers. The payload is the same bytes as in
 * plain mode, as a JSON string: {@code --payload} is the user data in both modes.
 *
 * <p>Deliveries, {@code {"type":"message","room":"R","seq":N,"data":"<payload>"}}, are the hot path:
 * they are recognised by comparing the frame with the expected prefix up to {@code "seq":}, eight
 * bytes at a time, and read in the receive buffer. Every other frame (welcome, subscribed, ack, gap,
 * error; a message whose keys come in another order) is rare, at most one per publish, and is read
 * from a String by {@link #parse}.
 */
final class ChorusV1 {
    static final String SUBPROTOCOL = "chorus.v1";
    /** Where the 8 hex digits of the command id start in a publish command. */
    static final int ID_OFFSET = "{\"id\":\"".length();
    static final String PUBLISH_SUFFIX = "\"}";

    private static final Pattern ROOM_PATH = Pattern.compile("/ws/[A-Za-z0-9._-]{1,64}");
    private static final byte[] DATA = ",\"data\":\"".getBytes(StandardCharsets.US_ASCII);

    private ChorusV1() {
    }

    /** The room of a {@code /ws/<room>} URL, or null when the URL names none. */
    static String roomOf(URI url) {
        String path = url.getRawPath();
        return path != null && ROOM_PATH.matcher(path).matches() ? path.substring(4) : null;
    }

    /** Everything of a publish command before the payload, with a zero id. */
    static byte[] publishPrefix(String room) {
        return ("{\"id\":\"00000000\",\"type\":\"publish\",\"room\":\"" + room + "\",\"data\":\"")
                .getBytes(StandardCharsets.US_ASCII);
    }

    /** What a delivery in {@code room} starts with, up to its sequence number. */
    static byte[] messagePrefix(String room) {
        return ("{\"type\":\"message\",\"room\":\"" + room + "\",\"seq\":").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Where the payload of a delivery starts in {@code buf}, with its sequence number in
     * {@code seqOut[0]}; -1 when the frame is not a delivery in the expected layout.
     */
    static int messagePayload(ByteBuf buf, int at, int length, byte[] prefix, long[] seqOut) {
        int p = prefix.length;
        if (length < p + 1 + DATA.length + Payload.HEADER_BYTES + 2 || !startsWith(buf, at, prefix)) {
            return -1;
        }
        int end = at + length;
        int i = at + p;
        long seq = 0;
        int digits = 0;
        for (byte b; i < end && (b = buf.getByte(i)) >= '0' && b <= '9'; i++, digits++) {
            seq = seq * 10 + (b - '0');
        }
        if (digits == 0 || digits > 18 || end - i < DATA.length || !startsWith(buf, i, DATA)) {
            return -1;
        }
        seqOut[0] = seq;
        return i + DATA.length;
    }

    private static boolean startsWith(ByteBuf buf, int at, byte[] prefix) {
        int i = 0;
        for (; i + 8 <= prefix.length; i += 8) {
            if (buf.getLong(at + i) != longAt(prefix, i)) {
                return false;
            }
        }
        for (; i < prefix.length; i++) {
            if (buf.getByte(at + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static long longAt(byte[] b, int i) {
        long v = 0;
        for (int k = 0; k < 8; k++) {
            v = (v << 8) | (b[i + k] & 0xff);
        }
        return v;
    }

    /**
     * A server frame off the hot path, read field by field from its text (ISO-8859-1, so that a
     * character index is a byte index). Missing fields are null or -1. Only frames of this
     * protocol's flat shape are meant: the payload strings never contain quotes or keys.
     */
    record Frame(String type, String id, long seq, String code, int dataOffset) {

        static Frame parse(ByteBuf buf, int at, int length) {
            String s = buf.toString(at, length, StandardCharsets.ISO_8859_1);
            int data = s.indexOf(",\"data\":\"");
            return new Frame(string(s, "type"), string(s, "id"), number(s, "seq"), string(s, "code"),
                    data < 0 ? -1 : data + DATA.length);
        }

        boolean is(String t) {
            return t.equals(type);
        }

        private static String string(String s, String key) {
            String k = "\"" + key + "\":\"";
            int i = s.indexOf(k);
            if (i < 0) {
                return null;
            }
            int from = i + k.length();
            int to = s.indexOf('"', from);
            return to < 0 ? null : s.substring(from, to);
        }

        private static long number(String s, String key) {
            String k = "\"" + key + "\":";
            int i = s.indexOf(k);
            if (i < 0) {
                return -1;
            }
            int from = i + k.length();
            int to = from;
            while (to < s.length() && Character.isDigit(s.charAt(to))) {
                to++;
            }
            try {
                return to == from ? -1 : Long.parseLong(s.substring(from, to));
            } catch (NumberFormatException e) {
                return -1;
            }
        }
    }
}
