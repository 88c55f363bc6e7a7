package io.chorus.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A message encoded once per event loop and shared by every connection the loop writes it to. Server frames are not
 * masked, so the same WebSocket frame bytes (header and payload) serve every connection: each one writes a duplicate
 * that shares the memory, and the buffer is direct so that no transport copies it again.
 */
public final class OutboundMessage {

  private static final int FIN = 0x80;
  private static final int OPCODE_TEXT = 0x1;
  private static final int OPCODE_BINARY = 0x2;

  private final ByteBuf webSocketFrame;
  private final int payloadLength;

  private OutboundMessage(ByteBuf webSocketFrame, int payloadLength) {
    this.webSocketFrame = webSocketFrame;
    this.payloadLength = payloadLength;
  }

  /** Encodes a message that lives until {@link #release()}. */
  public static OutboundMessage encode(byte[] payload, boolean binary, ByteBufAllocator allocator) {
    ByteBuf frame = allocator.directBuffer(headerLength(payload.length) + payload.length);
    writeHeader(frame, binary ? OPCODE_BINARY : OPCODE_TEXT, payload.length);
    frame.writeBytes(payload);
    return new OutboundMessage(frame, payload.length);
  }

  /**
   * Encodes a text message that needs no release, such as the welcome message: its memory belongs to the garbage
   * collector (a JDK direct buffer), so it lives as long as something refers to it, and Netty's leak detector, which
   * tracks only buffers its allocators hand out, does not report it when it goes.
   */
  public static OutboundMessage constant(String text) {
    byte[] payload = text.getBytes(StandardCharsets.UTF_8);
    ByteBuf frame = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(headerLength(payload.length) + payload.length))
        .clear();
    writeHeader(frame, OPCODE_TEXT, payload.length);
    frame.writeBytes(payload);
    return new OutboundMessage(Unpooled.unreleasableBuffer(frame), payload.length);
  }

  /**
   * The complete WebSocket frame. A connection writes {@code webSocketFrame().retainedDuplicate()}, never the
   * buffer itself, so that each connection has its own reader index.
   */
  public ByteBuf webSocketFrame() {
    return webSocketFrame;
  }

  public int payloadLength() {
    return payloadLength;
  }

  public void release() {
    webSocketFrame.release();
  }

  private static int headerLength(int payloadLength) {
    if (payloadLength < 126) {
      return 2;
    }
    return payloadLength <= 0xFFFF ? 4 : 10;
  }

  private static void writeHeader(ByteBuf frame, int opcode, int payloadLength) {
    frame.writeByte(FIN | opcode);
    if (payloadLength < 126) {
      frame.writeByte(payloadLength);
    } else if (payloadLength <= 0xFFFF) {
      frame.writeByte(126);
      frame.writeShort(payloadLength);
    } else {
      frame.writeByte(127);
      frame.writeLong(payloadLength);
    }
  }
}
