package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/**
 * Local delivery passes the envelope itself (it is immutable); cluster delivery writes compact bytes:
 * flags (1), ingress time (8), room length (1) and room, origin length (1) and origin, payload length (4) and payload.
 */
final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {

  private static final byte BINARY = 1;

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    byte[] room = envelope.room().getBytes(StandardCharsets.US_ASCII);
    byte[] origin = envelope.origin().getBytes(StandardCharsets.US_ASCII);
    buffer.appendByte(envelope.binary() ? BINARY : 0)
        .appendLong(envelope.ingressNanos())
        .appendByte((byte) room.length).appendBytes(room)
        .appendByte((byte) origin.length).appendBytes(origin)
        .appendInt(envelope.payload().length).appendBytes(envelope.payload());
  }

  @Override
  public Envelope decodeFromWire(int position, Buffer buffer) {
    int at = position;
    boolean binary = buffer.getByte(at) == BINARY;
    at += 1;
    long ingressNanos = buffer.getLong(at);
    at += 8;
    int roomLength = buffer.getUnsignedByte(at);
    at += 1;
    String room = buffer.getString(at, at + roomLength, "US-ASCII");
    at += roomLength;
    int originLength = buffer.getUnsignedByte(at);
    at += 1;
    String origin = buffer.getString(at, at + originLength, "US-ASCII");
    at += originLength;
    int payloadLength = buffer.getInt(at);
    at += 4;
    byte[] payload = buffer.getBytes(at, at + payloadLength);
    return new Envelope(room, payload, binary, ingressNanos, origin);
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  @Override
  public String name() {
    return "chorus-envelope";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
