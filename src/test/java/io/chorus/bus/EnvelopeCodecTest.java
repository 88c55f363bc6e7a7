package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class EnvelopeCodecTest {

  private final EnvelopeCodec codec = new EnvelopeCodec();

  @Test
  void wireFormatRoundTripsEveryField() {
    Envelope sent = new Envelope("room-1.a_b", new byte[] {1, 2, 3, (byte) 0xFF}, true, 1_234_567_890_123L,
        "6f1c1c4e-8f52-4cde-9c59-2a9f1c6a3b7e");
    Buffer wire = Buffer.buffer("prefix");

    codec.encodeToWire(wire, sent);
    Envelope received = codec.decodeFromWire("prefix".length(), wire);

    assertThat(received.room()).isEqualTo(sent.room());
    assertThat(received.payload()).isEqualTo(sent.payload());
    assertThat(received.binary()).isTrue();
    assertThat(received.ingressNanos()).isEqualTo(sent.ingressNanos());
    assertThat(received.origin()).isEqualTo(sent.origin());
  }

  @Test
  void localDeliveryPassesTheSameObject() {
    Envelope envelope = new Envelope("lobby", new byte[0], false, 0, "node");

    assertThat(codec.transform(envelope)).isSameAs(envelope);
  }
}
