package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A room's message as chorus.v1 shows it, in one text frame:
 * {@code {"type":"message","room":"news","seq":42,"data":…}}, with {@code "binary":"<base64>"} instead of
 * {@code data} for binary messages. Text becomes a JSON string, JSON goes in as it is: the bytes are written
 * straight into the frame, with no JSON tree, once per message and event loop.
 */
final class StructuredFrameEncoding implements Encoding {

  static final StructuredFrameEncoding INSTANCE = new StructuredFrameEncoding();

  private static final byte[] ROOM = ascii("{\"type\":\"message\",\"room\":\"");
  private static final byte[] SEQ = ascii("\",\"seq\":");
  private static final byte[] DATA = ascii(",\"data\":");
  private static final byte[] BINARY = ascii(",\"binary\":\"");
  private static final byte[] HEX = ascii("0123456789abcdef");

  private StructuredFrameEncoding() {
  }

  @Override
  public int slot() {
    return 1;
  }

  @Override
  public int length(Envelope message) {
    int body = bodyLength(message);
    return WebSocketFrameEncoding.headerLength(body) + body;
  }

  @Override
  public void write(Envelope message, ByteBuf out) {
    WebSocketFrameEncoding.writeHeader(false, bodyLength(message), out);
    out.writeBytes(ROOM);
    out.writeCharSequence(message.room(), StandardCharsets.US_ASCII);
    out.writeBytes(SEQ);
    out.writeCharSequence(Long.toString(message.seq()), StandardCharsets.US_ASCII);
    byte[] payload = message.payload();
    switch (message.kind()) {
      case JSON -> out.writeBytes(DATA).writeBytes(payload);
      case TEXT -> {
        out.writeBytes(DATA).writeByte('"');
        writeEscaped(payload, out);
        out.writeByte('"');
      }
      case BINARY -> out.writeBytes(BINARY).writeBytes(Base64.getEncoder().encode(payload)).writeByte('"');
    }
    out.writeByte('}');
  }

  private static int bodyLength(Envelope message) {
    // Room names are ASCII letters, digits and ._- (RoomName): nothing to escape.
    int fixed = ROOM.length + message.room().length() + SEQ.length + digits(message.seq()) + 1;
    byte[] payload = message.payload();
    return fixed + switch (message.kind()) {
      case JSON -> DATA.length + payload.length;
      case TEXT -> DATA.length + 2 + escapedLength(payload);
      case BINARY -> BINARY.length + 4 * ((payload.length + 2) / 3) + 1;
    };
  }

  /** Valid UTF-8 in, the inside of a JSON string out: quotes, backslashes and control characters escaped. */
  private static int escapedLength(byte[] text) {
    int length = text.length;
    for (byte b : text) {
      if (b == '"' || b == '\\') {
        length += 1;
      } else if (b >= 0 && b < 0x20) {
        length += 5;
      }
    }
    return length;
  }

  private static void writeEscaped(byte[] text, ByteBuf out) {
    for (byte b : text) {
      if (b == '"' || b == '\\') {
        out.writeByte('\\').writeByte(b);
      } else if (b >= 0 && b < 0x20) {
        out.writeByte('\\').writeByte('u').writeByte('0').writeByte('0')
            .writeByte(HEX[b >> 4]).writeByte(HEX[b & 0xF]);
      } else {
        out.writeByte(b);
      }
    }
  }

  private static int digits(long number) {
    int digits = 1;
    for (long rest = number / 10; rest > 0; rest /= 10) {
      digits++;
    }
    return digits;
  }

  private static byte[] ascii(String text) {
    return text.getBytes(StandardCharsets.US_ASCII);
  }
}
