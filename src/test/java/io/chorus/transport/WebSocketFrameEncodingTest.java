package io.chorus.transport;

import io.chorus.hub.Envelope;
import io.chorus.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames as RFC 6455 section 5.2 lays them out for a server: FIN, opcode, unmasked length, payload; in plain mode
 * the payload as it is, in chorus.v1 the message object.
 */
class WebSocketFrameEncodingTest {

  private static final WebSocketFrameEncoding FRAME = WebSocketFrameEncoding.INSTANCE;

  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);

  private static Envelope envelope(byte[] payload, boolean binary) {
    return new Envelope("room", payload, binary ? Envelope.Kind.BINARY : Envelope.Kind.TEXT, 0, "e1", 1);
  }

  /** The frame's payload as text, past its header; the frame's lengths are checked to agree. */
  private static String payload(ByteBuf frame) {
    int length = frame.getUnsignedByte(1) < 126 ? frame.getUnsignedByte(1) : frame.getUnsignedShort(2);
    int header = frame.getUnsignedByte(1) < 126 ? 2 : 4;
    assertThat(frame.readableBytes()).isEqualTo(header + length);
    return frame.toString(header, length, StandardCharsets.UTF_8);
  }

  @Test
  void shortTextFrameHasATwoByteHeader() {
    Message message = Message.of(envelope("hi".getBytes(StandardCharsets.UTF_8), false), allocator);

    assertThat(ByteBufUtil.hexDump(message.encodedAs(FRAME))).isEqualTo("81026869");
    assertThat(message.encodedAs(FRAME).isDirect()).isTrue();
    message.release();
  }

  @Test
  void mediumBinaryFrameUsesTheSixteenBitLength() {
    Message message = Message.of(envelope(new byte[300], true), allocator);
    ByteBuf frame = message.encodedAs(FRAME);

    assertThat(frame.getUnsignedByte(0)).isEqualTo((short) 0x82);
    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 126);
    assertThat(frame.getUnsignedShort(2)).isEqualTo(300);
    assertThat(frame.readableBytes()).isEqualTo(4 + 300);
    message.release();
  }

  @Test
  void largeFrameUsesTheSixtyFourBitLength() {
    Message message = Message.of(envelope(new byte[70_000], true), allocator);
    ByteBuf frame = message.encodedAs(FRAME);

    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 127);
    assertThat(frame.getLong(2)).isEqualTo(70_000L);
    assertThat(frame.readableBytes()).isEqualTo(10 + 70_000);
    message.release();
  }

  @Test
  void duplicatesShareTheBytesAndKeepTheirOwnReaderIndex() {
    Message message = Message.of(envelope("shared".getBytes(StandardCharsets.UTF_8), false), allocator);
    ByteBuf first = message.encodedAs(FRAME).retainedDuplicate();
    ByteBuf second = message.encodedAs(FRAME).retainedDuplicate();

    first.skipBytes(first.readableBytes());
    message.release();

    assertThat(second.readableBytes()).isEqualTo(8);
    assertThat(second.refCnt()).isEqualTo(2);
    first.release();
    second.release();
    assertThat(second.refCnt()).isZero();
  }

  @Test
  void structuredMessageShowsTextAsAJsonStringAndJsonAsItIs() {
    Message text = Message.of(new Envelope("news", "say \"hi\"\n".getBytes(StandardCharsets.UTF_8),
        Envelope.Kind.TEXT, 0, "e1", 42), allocator);
    Message json = Message.of(new Envelope("news", "{\"a\":[1,2]}".getBytes(StandardCharsets.UTF_8),
        Envelope.Kind.JSON, 0, "e1", 7), allocator);

    assertThat(payload(text.encodedAs(StructuredFrameEncoding.INSTANCE)))
        .isEqualTo("{\"type\":\"message\",\"room\":\"news\",\"seq\":42,\"data\":\"say \\\"hi\\\"\\u000a\"}");
    assertThat(payload(json.encodedAs(StructuredFrameEncoding.INSTANCE)))
        .isEqualTo("{\"type\":\"message\",\"room\":\"news\",\"seq\":7,\"data\":{\"a\":[1,2]}}");
    text.release();
    json.release();
  }

  @Test
  void structuredBinaryMessageCarriesBase64InATextFrame() {
    Message binary = Message.of(new Envelope("news", new byte[] {0, 1, 2, (byte) 0xFF}, Envelope.Kind.BINARY, 0,
        "e1", 1_000_000), allocator);
    ByteBuf frame = binary.encodedAs(StructuredFrameEncoding.INSTANCE);

    assertThat(frame.getUnsignedByte(0)).as("text frame").isEqualTo((short) 0x81);
    assertThat(payload(frame))
        .isEqualTo("{\"type\":\"message\",\"room\":\"news\",\"seq\":1000000,\"binary\":\"AAEC/w==\"}");
    binary.release();
  }

  @Test
  void constantMessageSurvivesReleases() {
    Message welcome = Message.constant("welcome");

    welcome.release();
    welcome.encodedAs(FRAME).retainedDuplicate().release();

    assertThat(ByteBufUtil.hexDump(welcome.encodedAs(FRAME)))
        .isEqualTo("8107" + ByteBufUtil.hexDump("welcome".getBytes(StandardCharsets.UTF_8)));
  }
}
