package io.chorus.transport;

import io.chorus.hub.Envelope;
import io.chorus.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames of permessage-deflate: RSV1 and a deflated payload above the minimum size, a plain frame below it. */
class CompressedFrameEncodingTest {

  private static final String CHAT = "{\"user\":\"alice\",\"text\":\"hello hello hello, is anyone here? hello hello\"}";

  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);
  private final List<Message> messages = new ArrayList<>();

  @AfterEach
  void release() {
    messages.forEach(Message::release);
  }

  private Message message(String text, Envelope.Kind kind) {
    Message message = Message.of(envelope(text, kind), allocator);
    messages.add(message);
    return message;
  }

  private static Envelope envelope(String text, Envelope.Kind kind) {
    return new Envelope("room", text.getBytes(StandardCharsets.UTF_8), kind, 42, "e1", 1);
  }

  /** The payload past the frame's header, inflated if RSV1 says it is compressed. */
  private static String payload(ByteBuf frame) throws Exception {
    int length = frame.getUnsignedByte(1) < 126 ? frame.getUnsignedByte(1) : frame.getUnsignedShort(2);
    int header = frame.getUnsignedByte(1) < 126 ? 2 : 4;
    assertThat(frame.readableBytes()).isEqualTo(header + length);
    byte[] bytes = new byte[length];
    frame.getBytes(header, bytes);
    if ((frame.getUnsignedByte(0) & 0x40) == 0) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return new String(new Decompressor().inflate(bytes, 1 << 20), StandardCharsets.UTF_8);
  }

  @Test
  void aPlainTextAboveTheMinimumIsOneCompressedTextFrame() throws Exception {
    ByteBuf frame = message(CHAT, Envelope.Kind.JSON)
        .encodedAs(CompressedFrameEncoding.plain(16));

    assertThat((int) frame.getUnsignedByte(0)).isEqualTo(0x80 | 0x40 | 0x1);
    assertThat(frame.readableBytes()).isLessThan(CHAT.length());
    assertThat(payload(frame)).isEqualTo(CHAT);
  }

  @Test
  void aMessageBelowTheMinimumIsThePlainFrame() throws Exception {
    Message message = message(CHAT, Envelope.Kind.JSON);

    ByteBuf frame = message.encodedAs(CompressedFrameEncoding.plain(CHAT.length() + 1));

    assertThat(frame).isEqualTo(message.encodedAs(WebSocketFrameEncoding.INSTANCE));
  }

  @Test
  void aPayloadThatWouldNotShrinkGoesUncompressed() throws Exception {
    ByteBuf frame = message("q7#Zk!2x", Envelope.Kind.TEXT)
        .encodedAs(CompressedFrameEncoding.plain(0));

    assertThat((int) frame.getUnsignedByte(0)).isEqualTo(0x80 | 0x1);
    assertThat(payload(frame)).isEqualTo("q7#Zk!2x");
  }

  @Test
  void chorusV1CompressesTheMessageObjectAndBinaryStaysATextFrame() throws Exception {
    Message message = message(CHAT, Envelope.Kind.BINARY);

    ByteBuf frame = message.encodedAs(CompressedFrameEncoding.structured(16));

    assertThat((int) frame.getUnsignedByte(0)).isEqualTo(0x80 | 0x40 | 0x1);
    ByteBuf uncompressed = message.encodedAs(StructuredFrameEncoding.INSTANCE);
    assertThat(payload(frame)).isEqualTo(payload(uncompressed));
  }

  @Test
  void eachMessageIsCompressedAlone() throws Exception {
    CompressedFrameEncoding encoding = CompressedFrameEncoding.plain(16);
    ByteBuf first = message(CHAT, Envelope.Kind.JSON).encodedAs(encoding);
    ByteBuf second = message(CHAT, Envelope.Kind.JSON).encodedAs(encoding);

    assertThat(second).as("no reference to the first message").isEqualTo(first);
    assertThat(payload(second)).isEqualTo(CHAT);
  }
}
