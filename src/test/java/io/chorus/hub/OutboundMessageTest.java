package io.chorus.hub;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** Frames as RFC 6455 section 5.2 lays them out for a server: FIN, opcode, unmasked length, payload. */
class OutboundMessageTest {

  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);

  @Test
  void shortTextFrameHasATwoByteHeader() {
    OutboundMessage message = OutboundMessage.encode("hi".getBytes(StandardCharsets.UTF_8), false, allocator);

    assertThat(ByteBufUtil.hexDump(message.webSocketFrame())).isEqualTo("81026869");
    assertThat(message.webSocketFrame().isDirect()).isTrue();
    message.release();
  }

  @Test
  void mediumBinaryFrameUsesTheSixteenBitLength() {
    OutboundMessage message = OutboundMessage.encode(new byte[300], true, allocator);
    ByteBuf frame = message.webSocketFrame();

    assertThat(frame.getUnsignedByte(0)).isEqualTo((short) 0x82);
    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 126);
    assertThat(frame.getUnsignedShort(2)).isEqualTo(300);
    assertThat(frame.readableBytes()).isEqualTo(4 + 300);
    message.release();
  }

  @Test
  void largeFrameUsesTheSixtyFourBitLength() {
    OutboundMessage message = OutboundMessage.encode(new byte[70_000], true, allocator);
    ByteBuf frame = message.webSocketFrame();

    assertThat(frame.getUnsignedByte(1)).isEqualTo((short) 127);
    assertThat(frame.getLong(2)).isEqualTo(70_000L);
    assertThat(frame.readableBytes()).isEqualTo(10 + 70_000);
    message.release();
  }

  @Test
  void duplicatesShareTheBytesAndKeepTheirOwnReaderIndex() {
    OutboundMessage message = OutboundMessage.encode("shared".getBytes(StandardCharsets.UTF_8), false, allocator);
    ByteBuf first = message.webSocketFrame().retainedDuplicate();
    ByteBuf second = message.webSocketFrame().retainedDuplicate();

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
    OutboundMessage welcome = OutboundMessage.constant("welcome");

    welcome.release();
    welcome.webSocketFrame().retainedDuplicate().release();

    assertThat(welcome.webSocketFrame().readableBytes()).isEqualTo(2 + 7);
  }
}
