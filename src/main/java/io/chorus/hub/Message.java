package io.chorus.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A message on its way out to the connections of one event loop, with its encodings: each is made by the first
 * connection that asks for it and shared by every other connection of the same wire format, so that fan-out encodes
 * once per (message, encoding) and event loop, never once per connection. Connections write a retained duplicate
 * of the shared bytes, which are direct so that no transport copies them again. Touched by one event loop only.
 */
public final class Message {

  private final Envelope envelope;
  /** Null for a constant message: its encodings live in JDK direct buffers that need no release. */
  private final ByteBufAllocator allocator;
  private ByteBuf[] encoded = new ByteBuf[1];

  private Message(Envelope envelope, ByteBufAllocator allocator) {
    this.envelope = envelope;
    this.allocator = allocator;
  }

  /** A room's message, whose encodings live until {@link #release()}. */
  public static Message of(Envelope envelope, ByteBufAllocator allocator) {
    return new Message(envelope, allocator);
  }

  /**
   * A text for one connection only, such as a reply to a command, whose encodings live until {@link #release()}.
   */
  public static Message text(String text) {
    return new Message(unsequencedText(text), PooledByteBufAllocator.DEFAULT);
  }

  /**
   * A text message whose encodings are never released, such as the welcome message: their memory belongs to the
   * garbage collector (JDK direct buffers), so they live as long as something refers to them, and Netty's leak
   * detector, which tracks only buffers its allocators hand out, does not report them when they go.
   */
  public static Message constant(String text) {
    return new Message(unsequencedText(text), null);
  }

  /** What the message carries: its room, bytes, kind and place in the room's stream. */
  public Envelope envelope() {
    return envelope;
  }

  /**
   * The message in {@code encoding}, encoded on first use. A connection writes
   * {@code encodedAs(encoding).retainedDuplicate()}, never the buffer itself, so that each connection has its own
   * reader index.
   *
   * @throws OutOfMemoryError when direct memory is exhausted
   */
  public ByteBuf encodedAs(Encoding encoding) {
    int slot = encoding.slot();
    if (slot >= encoded.length) {
      encoded = Arrays.copyOf(encoded, slot + 1);
    }
    ByteBuf bytes = encoded[slot];
    if (bytes == null) {
      bytes = encode(encoding);
      encoded[slot] = bytes;
    }
    return bytes;
  }

  /** Releases the encodings; a constant message keeps them. */
  public void release() {
    if (allocator == null) {
      return;
    }
    for (int i = 0; i < encoded.length; i++) {
      if (encoded[i] != null) {
        encoded[i].release();
        encoded[i] = null;
      }
    }
  }

  private ByteBuf encode(Encoding encoding) {
    int length = encoding.length(envelope);
    if (allocator == null) {
      ByteBuf bytes = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(length)).clear();
      encoding.write(envelope, bytes);
      return Unpooled.unreleasableBuffer(bytes);
    }
    ByteBuf bytes = allocator.directBuffer(length);
    encoding.write(envelope, bytes);
    return bytes;
  }

  private static Envelope unsequencedText(String text) {
    return new Envelope(null, text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT, 0, null, 0);
  }
}
