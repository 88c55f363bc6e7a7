package io.chorus.transport;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

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

    PongWebSocketFrame pong = frames.takePong();
    assertThat(pong.content().toString(StandardCharsets.UTF_8)).isEqualTo("latest");
    pong.release();
    assertThat(frames.owesPong()).isFalse();
  }

  @Test
  void closingConnectionOwesNoPong() {
    ControlFrames frames = new ControlFrames();
    frames.owePong(Unpooled.wrappedBuffer("ping".getBytes(StandardCharsets.UTF_8)));

    frames.forgive();

    assertThat(frames.owesPong()).isFalse();
  }
}
