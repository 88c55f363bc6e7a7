package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * A room's message as a whole HTTP/1.1 chunk of a one-room SSE stream ({@code /sse/{room}}): the chunk's size line,
 * {@code id: <epoch>:<seq>}, the event ({@link SseEventEncoding}) and the chunk's closing CRLF. On such a stream the
 * id is the message's own position, the same for every client, so the whole chunk is encoded once per message and
 * event loop and written to each stream below the HTTP encoder, as a WebSocket frame is: no id, buffer or chunk
 * framing per client.
 */
final class SseChunkEncoding implements Encoding {

  static final SseChunkEncoding INSTANCE = new SseChunkEncoding();

  private static final byte[] ID = "id: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CRLF = {'\r', '\n'};

  private SseChunkEncoding() {
  }

  @Override
  public int slot() {
    return 3;
  }

  @Override
  public int length(Envelope message) {
    int content = content(message);
    return hexDigits(content) + CRLF.length + content + CRLF.length;
  }

  @Override
  public void write(Envelope message, ByteBuf out) {
    out.writeCharSequence(Integer.toHexString(content(message)), StandardCharsets.US_ASCII);
    out.writeBytes(CRLF).writeBytes(ID);
    out.writeCharSequence(message.epoch(), StandardCharsets.US_ASCII);
    out.writeByte(':');
    out.writeCharSequence(Long.toString(message.seq()), StandardCharsets.US_ASCII);
    out.writeByte('\n');
    SseEventEncoding.INSTANCE.write(message, out);
    out.writeBytes(CRLF);
  }

  /** The chunk's data: the id line and the event. Epochs are ASCII. */
  private static int content(Envelope message) {
    int idLine = ID.length + message.epoch().length() + 1 + Long.toString(message.seq()).length() + 1;
    return idLine + SseEventEncoding.INSTANCE.length(message);
  }

  private static int hexDigits(int value) {
    return Math.max(1, (Integer.SIZE - Integer.numberOfLeadingZeros(value) + 3) / 4);
  }
}
