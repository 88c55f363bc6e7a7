package io.chorus.transport;

import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EarlyFramesTest {

  @Test
  void nothingMoreIsReadUntilTheHeldFramesAreReleased() {
    EmbeddedChannel channel = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    EarlyFrames early = new EarlyFrames();
    channel.pipeline().addLast(early);
    assertThat(channel.config().isAutoRead()).isFalse();

    channel.writeInbound("early frame");
    early.release();

    assertThat(channel.config().isAutoRead()).isTrue();
    assertThat(channel.pipeline().get(EarlyFrames.class)).isNull();
    assertThat((String) channel.readInbound()).isEqualTo("early frame");
  }
}
