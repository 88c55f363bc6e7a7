package io.chorus.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Client-to-server WebSocket frames (RFC 6455, section 5.2).
 *
 * <p>Clients must mask every frame. This generator always uses the masking key 0x00000000: the
 * mask bit and key are on the wire as required, and XOR with zero leaves the payload unchanged,
 * so masking costs nothing and a frame can be encoded once and then only patched. A browser must
 * pick a random key to defeat cache poisoning by intermediaries; a load generator talking to
 * loopback has no such intermediary.
 */
final class Frames {
    static final int OP_CONTINUATION = 0x0;
    static final int OP_TEXT = 0x1;
    static final int OP_BINARY = 0x2;
    static final int OP_CLOSE = 0x8;
    static final int OP_PING = 0x9;
    static final int OP_PONG = 0xA;
    /** The permessage-deflate bit of a frame's first byte (RFC 7692 section 6). */
    static final int RSV1 = 0x40;

    private static final int FIN = 0x80;
    private static final int MASKED = 0x80;

    private Frames() {
    }

    static int headerLength(int payloadLength) {
        int lengthBytes = payloadLength < 126 ? 0 : payloadLength < 65_536 ? 2 : 8;
        return 2 + lengthBytes + 4;
    }

    /** Writes a final, masked frame header with an all-zero masking key. */
    static void writeHeader(ByteBuf out, int opcode, int payloadLength) {
        out.writeByte(FIN | opcode);
        if (payloadLength < 126) {
            out.writeByte(MASKED | payloadLength);
        } else if (payloadLength < 65_536) {
            out.writeByte(MASKED | 126);
            out.writeShort(payloadLength);
        } else {
            out.writeByte(MASKED | 127);
            out.writeLong(payloadLength);
        }
        out.writeInt(0);
    }

    /** A whole frame around a payload taken from {@code payload} (readerIndex to writerIndex). */
    static ByteBuf frame(ByteBufAllocator alloc, int opcode, ByteBuf payload) {
        int length = payload.readableBytes();
        ByteBuf out = alloc.buffer(headerLength(length) + length);
        writeHeader(out, opcode, length);
        out.writeBytes(payload, payload.readerIndex(), length);
        return out;
    }

    static ByteBuf text(ByteBufAllocator alloc, byte[] payload) {
        ByteBuf out = alloc.buffer(headerLength(payload.length) + payload.length);
        writeHeader(out, OP_TEXT, payload.length);
        out.writeBytes(payload);
        return out;
    }
}
