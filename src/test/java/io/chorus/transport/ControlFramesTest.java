package io.chorus.transport;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ControlFramesTest {

  private static final long SECOND = 1_000_000_000L;

  @Test
  void floodIsRefusedAtItsHundredthFrame() {
    ControlFrames frames = new ControlFrames();
    long now = 5 * SECOND;

    for (int i = 1; i < 100; i++) {
      assertThat(frames.admit(now)).as("frame %d", i).isTrue();
    }
    assertThat(frames.admit(now)).isFalse();
  }

  @Test
  void clientPingingTenTimesASecondIsNeverRefused() {
    ControlFrames frames = new ControlFrames();

    for (int i = 0; i < 10_000; i++) {
      assertThat(frames.admit(i * SECOND / 10)).isTrue();
    }
  }

  @Test
  void owedPongCarriesOnlyTheLatestPingsPayloadAndIsOwedOnce() {
    ControlFrames frames = new ControlFrames();
    assertThat(frames.owesPong()).isFalse();

    frames.owePong(Unpooled.wrappedBuffer("first".getBytes(StandardCharsets.UTF_8)));
    frames.owePong(Unpooled.wrappedBuffer("latest".getBytes(StandardCharsets.UTF_8)));

    ByteBuf pong = frames.takePong();
    assertThat(bytes(pong)).isEqualTo(nettyEncoded(
        new PongWebSocketFrame(Unpooled.wrappedBuffer("latest".getBytes(StandardCharsets.UTF_8)))));
    assertThat(frames.owesPong()).isFalse();
  }

  @Test
  void controlFramesAreTheBytesNettysServerEncoderWouldWrite() {
    assertThat(bytes(ControlFrames.ping()))
        .isEqualTo(nettyEncoded(new PingWebSocketFrame()))
        .containsExactly(0x89, 0x00);
    assertThat(bytes(ControlFrames.encoded(new CloseWebSocketFrame(1008, "too many control frames"))))
        .isEqualTo(nettyEncoded(new CloseWebSocketFrame(1008, "too many control frames")));
    assertThat(bytes(ControlFrames.encoded(new CloseWebSocketFrame())))
        .containsExactly(0x88, 0x00);
  }

  @Test
  void aControlFramePayloadOverItsLimitIsNeverEncoded() {
    CloseWebSocketFrame tooLong = new CloseWebSocketFrame(1000, "x".repeat(124));

    assertThatThrownBy(() -> ControlFrames.encoded(tooLong))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(tooLong.refCnt()).isZero();
  }

  private static byte[] bytes(ByteBuf frame) {
    try {
      return ByteBufUtil.getBytes(frame);
    } finally {
      frame.release();
    }
  }

  /** What Netty's server-side encoder (unmasked) makes of {@code frame}. */
  private static byte[] nettyEncoded(WebSocketFrame frame) {
    EmbeddedChannel channel = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    channel.writeOutbound(frame);
    ByteBuf all = Unpooled.buffer();
    for (ByteBuf part = channel.readOutbound(); part != null; part = channel.readOutbound()) {
      all.writeBytes(part);
      part.release();
    }
    channel.finishAndReleaseAll();
    return bytes(all);
  }

  @Test
  void closingConnectionOwesNoPong() {
    ControlFrames frames = new ControlFrames();
    frames.owePong(Unpooled.wrappedBuffer("ping".getBytes(StandardCharsets.UTF_8)));

    frames.forgive();

    assertThat(frames.owesPong()).isFalse();
  }
}
