package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * A room's message as an SSE event's shared part, {@code event: message}, then {@code data:} with the object a
 * chorus.v1 client receives, then the blank line that ends the event. The event's {@code id:} line comes before it
 * from each connection (its rooms' positions differ), so the data is still encoded once per message and event loop.
 *
 * <p>A {@code data:} line ends at CR or LF (WHATWG HTML, 9.2.6). JSON the client sent may hold them only as whitespace
 * between tokens (strict JSON refuses them unescaped in strings, and text and base64 are escaped), so they are
 * written as spaces: the same JSON value, on one line.
 */
final class SseEventEncoding implements Encoding {

  static final SseEventEncoding INSTANCE = new SseEventEncoding();

  private static final byte[] HEAD = "event: message\ndata: ".getBytes(StandardCharsets.US_ASCII);

  private SseEventEncoding() {
  }

  @Override
  public int slot() {
    return 2;
  }

  @Override
  public int length(Envelope message) {
    return HEAD.length + StructuredFrameEncoding.bodyLength(message) + 2;
  }

  @Override
  public void write(Envelope message, ByteBuf out) {
    out.writeBytes(HEAD);
    int data = out.writerIndex();
    StructuredFrameEncoding.writeBody(message, out);
    if (message.kind() == Envelope.Kind.JSON) {
      for (int i = data; i < out.writerIndex(); i++) {
        byte b = out.getByte(i);
        if (b == '\n' || b == '\r') {
          out.setByte(i, ' ');
        }
      }
    }
    out.writeByte('\n').writeByte('\n');
  }
}
