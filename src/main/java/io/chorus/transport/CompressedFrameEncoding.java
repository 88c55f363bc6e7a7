package io.chorus.transport;

import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * A message as one permessage-deflate frame (RFC 7692): the payload a plain or chorus.v1 frame would carry,
 * compressed without context, with RSV1 set. Compressed once per message and event loop, the same bytes serve every
 * connection of that protocol that negotiated the extension. A payload below {@code compression-min-size}, or one
 * that would not shrink, goes as an uncompressed frame instead (RSV1 clear), which the extension allows per message.
 *
 * <p>The compressed length is known only once compressed, so {@link #length} compresses and {@link #write} writes
 * the result: {@link io.chorus.hub.Message} calls the one right before the other, on its event loop, for the same
 * message. One instance per protocol and event loop, each with its own {@link Compressor}, so that the bytes one
 * prepared are never overwritten by the other.
 */
final class CompressedFrameEncoding implements Encoding {

  private final int slot;
  private final boolean structured;
  private final int minSize;
  private final Compressor compressor = new Compressor();
  /** A chorus.v1 payload, written here before it is compressed; reused. */
  private final ByteBuf body = Unpooled.buffer(1024);
  private Envelope prepared;
  private int bodyLength;
  private int compressedLength;

  private CompressedFrameEncoding(int slot, boolean structured, int minSize) {
    this.slot = slot;
    this.structured = structured;
    this.minSize = minSize;
  }

  /** Plain-mode messages, compressed: slot 4. */
  static CompressedFrameEncoding plain(int minSize) {
    return new CompressedFrameEncoding(4, false, minSize);
  }

  /** chorus.v1 messages, compressed: slot 5. */
  static CompressedFrameEncoding structured(int minSize) {
    return new CompressedFrameEncoding(5, true, minSize);
  }

  @Override
  public int slot() {
    return slot;
  }

  @Override
  public int length(Envelope message) {
    prepare(message);
    int payload = compressedLength < 0 ? bodyLength : compressedLength;
    return WebSocketFrameEncoding.headerLength(payload) + payload;
  }

  @Override
  public void write(Envelope message, ByteBuf out) {
    if (prepared != message) {
      prepare(message);
    }
    prepared = null;
    boolean binary = !structured && message.binary();
    if (compressedLength < 0) {
      WebSocketFrameEncoding.writeHeader(binary, false, bodyLength, out);
      out.writeBytes(bodyArray(message), 0, bodyLength);
    } else {
      WebSocketFrameEncoding.writeHeader(binary, true, compressedLength, out);
      out.writeBytes(compressor.output(), 0, compressedLength);
    }
  }

  /** Lays out the payload and compresses it; {@code compressedLength} is -1 when it goes uncompressed. */
  private void prepare(Envelope message) {
    prepared = message;
    if (structured) {
      body.clear();
      StructuredFrameEncoding.writeBody(message, body);
      bodyLength = body.readableBytes();
    } else {
      bodyLength = message.payload().length;
    }
    compressedLength = -1;
    if (bodyLength >= minSize) {
      int compressed = compressor.compress(bodyArray(message), 0, bodyLength);
      if (compressed < bodyLength) {
        compressedLength = compressed;
      }
    }
  }

  private byte[] bodyArray(Envelope message) {
    return structured ? body.array() : message.payload();
  }
}
