package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.chorus.hub.RoomName;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EnvelopeCodecTest {

  private final EnvelopeCodec codec = new EnvelopeCodec();

  @Test
  void wireFormatRoundTripsEveryField() {
    Envelope sent = new Envelope("room-1.a_b", new byte[] {1, 2, 3, (byte) 0xFF}, Envelope.Kind.BINARY,
        1_234_567_890_123L, "0123456789abcdef", 41);
    Buffer wire = Buffer.buffer("prefix");

    codec.encodeToWire(wire, sent);
    Envelope received = codec.decodeFromWire("prefix".length(), wire);

    assertThat(received.room()).isEqualTo(sent.room());
    assertThat(received.payload()).isEqualTo(sent.payload());
    assertThat(received.binary()).isTrue();
    assertThat(received.ingressNanos()).isEqualTo(sent.ingressNanos());
    assertThat(received.epoch()).isEqualTo(sent.epoch());
    assertThat(received.seq()).isEqualTo(41);
  }

  @Test
  void roomNamesOfTheLongestAllowedLengthRoundTrip() {
    Envelope sent = new Envelope("r".repeat(RoomName.MAX_LENGTH), new byte[] {7}, Envelope.Kind.JSON, 1, "e", 1);
    Buffer wire = Buffer.buffer();

    codec.encodeToWire(wire, sent);

    assertThat(codec.decodeFromWire(0, wire).room()).isEqualTo(sent.room());
  }

  @Test
  void roomNamesTooLongForTheLengthPrefixAreRefusedNotTruncated() {
    Envelope tooLong = new Envelope("r".repeat(256), new byte[0], Envelope.Kind.TEXT, 0, "e", 1);

    assertThatThrownBy(() -> codec.encodeToWire(Buffer.buffer(), tooLong))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void localDeliveryPassesTheSameObject() {
    Envelope envelope = new Envelope("lobby", new byte[0], Envelope.Kind.TEXT, 0, "e", 1);

    assertThat(codec.transform(envelope)).isSameAs(envelope);
  }
}
