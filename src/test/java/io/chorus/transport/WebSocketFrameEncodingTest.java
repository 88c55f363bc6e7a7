package io.chorus.transport;

import io.chorus.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames as RFC 6455 section 5.2 lays them out for a server: FIN, opcode, unmasked length, payload. */
class WebSocketFrameEncodingTest {

  private static final WebSocketFrameEncoding FRAME = WebSocketFrameEncoding.INSTANCE;

  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);

  @Test
  void shortTextFrameHasATwoByteHeader() {
    Message message = Message.of("hi".getBytes(StandardCharsets.UTF_8), false, allocator);

    assertThat(ByteBufUtil.hexDump(message.encodedAs(FRAME))).isEqualTo("81026869");
    assertThat(message.encodedAs(FRAME).isDirect()).isTrue();
    message.release();
  }

  @Test
  void mediumBinaryFrameUsesTheSixteenBitLength() {
    Message message = Message.of(new byte[300], true, allocator);
    ByteBuf frame = message.encodedAs(FRAME);

    assertThat(frame.getUnsignedByte(0)).isEqualTo((short) 0x82);
    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 126);
    assertThat(frame.getUnsignedShort(2)).isEqualTo(300);
    assertThat(frame.readableBytes()).isEqualTo(4 + 300);
    message.release();
  }

  @Test
  void largeFrameUsesTheSixtyFourBitLength() {
    Message message = Message.of(new byte[70_000], true, allocator);
    ByteBuf frame = message.encodedAs(FRAME);

    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 127);
    assertThat(frame.getLong(2)).isEqualTo(70_000L);
    assertThat(frame.readableBytes()).isEqualTo(10 + 70_000);
    message.release();
  }

  @Test
  void duplicatesShareTheBytesAndKeepTheirOwnReaderIndex() {
    Message message = Message.of("shared".getBytes(StandardCharsets.UTF_8), false, allocator);
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
  void constantMessageSurvivesReleases() {
    Message welcome = Message.constant("welcome");

    welcome.release();
    welcome.encodedAs(FRAME).retainedDuplicate().release();

    assertThat(ByteBufUtil.hexDump(welcome.encodedAs(FRAME)))
        .isEqualTo("8107" + ByteBufUtil.hexDump("welcome".getBytes(StandardCharsets.UTF_8)));
  }
}
