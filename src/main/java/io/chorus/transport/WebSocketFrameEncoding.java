package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.netty.buffer.ByteBuf;

/**
 * A message as one complete, unmasked RFC 6455 frame (section 5.2): FIN, opcode, length, payload, the payload
 * unchanged (plain mode, and any text meant for one connection). Server frames are not masked, so the same bytes,
 * header included, serve every WebSocket connection.
 */
final class WebSocketFrameEncoding implements Encoding {

  static final WebSocketFrameEncoding INSTANCE = new WebSocketFrameEncoding();

  private static final int FIN = 0x80;
  static final int RSV1 = 0x40;
  private static final int OPCODE_TEXT = 0x1;
  private static final int OPCODE_BINARY = 0x2;

  private WebSocketFrameEncoding() {
  }

  @Override
  public int slot() {
    return 0;
  }

  @Override
  public int length(Envelope message) {
    return headerLength(message.payload().length) + message.payload().length;
  }

  @Override
  public void write(Envelope message, ByteBuf out) {
    writeHeader(message.binary(), message.payload().length, out);
    out.writeBytes(message.payload());
  }

  static int headerLength(int payloadLength) {
    if (payloadLength < 126) {
      return 2;
    }
    return payloadLength <= 0xFFFF ? 4 : 10;
  }

  static void writeHeader(boolean binary, int payloadLength, ByteBuf out) {
    writeHeader(binary, false, payloadLength, out);
  }

  /** A header with RSV1 set when {@code compressed}: the payload is a permessage-deflate one (RFC 7692 section 6). */
  static void writeHeader(boolean binary, boolean compressed, int payloadLength, ByteBuf out) {
    out.writeByte(FIN | (compressed ? RSV1 : 0) | (binary ? OPCODE_BINARY : OPCODE_TEXT));
    if (payloadLength < 126) {
      out.writeByte(payloadLength);
    } else if (payloadLength <= 0xFFFF) {
      out.writeByte(126);
      out.writeShort(payloadLength);
    } else {
      out.writeByte(127);
      out.writeLong(payloadLength);
    }
  }
}
