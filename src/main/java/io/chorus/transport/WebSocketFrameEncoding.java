package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.netty.buffer.ByteBuf;

/**
 * A message as one complete, unmasked RFC 6455 frame (section 5.2): FIN, opcode, length, payload. Server frames are
 * not masked, so the same bytes, header included, serve every WebSocket connection.
 */
final class WebSocketFrameEncoding implements Encoding {

  static final WebSocketFrameEncoding INSTANCE = new WebSocketFrameEncoding();

  private static final int FIN = 0x80;
  private static final int OPCODE_TEXT = 0x1;
  private static final int OPCODE_BINARY = 0x2;

  private WebSocketFrameEncoding() {
  }

  @Override
  public int slot() {
    return 0;
  }

  @Override
  public int length(byte[] payload, boolean binary) {
    return headerLength(payload.length) + payload.length;
  }

  @Override
  public void write(byte[] payload, boolean binary, ByteBuf out) {
    out.writeByte(FIN | (binary ? OPCODE_BINARY : OPCODE_TEXT));
    if (payload.length < 126) {
      out.writeByte(payload.length);
    } else if (payload.length <= 0xFFFF) {
      out.writeByte(126);
      out.writeShort(payload.length);
    } else {
      out.writeByte(127);
      out.writeLong(payload.length);
    }
    out.writeBytes(payload);
  }

  private static int headerLength(int payloadLength) {
    if (payloadLength < 126) {
      return 2;
    }
    return payloadLength <= 0xFFFF ? 4 : 10;
  }
}
