package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/**
 * Local delivery passes the envelope itself (it is immutable); cluster delivery writes compact bytes:
 * flags (1), ingress time (8), room length (1) and room, payload length (4) and payload.
 */
final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {

  private static final byte BINARY = 1;
  /** The room's length travels in one unsigned byte; room names are far shorter ({@code RoomName.MAX_LENGTH}). */
  private static final int MAX_ROOM_BYTES = 0xFF;

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    byte[] room = envelope.room().getBytes(StandardCharsets.US_ASCII);
    if (room.length > MAX_ROOM_BYTES) {
      throw new IllegalArgumentException("room name of " + room.length + " bytes: at most " + MAX_ROOM_BYTES);
    }
    buffer.appendByte(envelope.binary() ? BINARY : 0)
        .appendLong(envelope.ingressNanos())
        .appendUnsignedByte((short) room.length).appendBytes(room)
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
    int payloadLength = buffer.getInt(at);
    at += 4;
    byte[] payload = buffer.getBytes(at, at + payloadLength);
    return new Envelope(room, payload, binary, ingressNanos);
  }

  @Override
  public Envelope transform(Envelope envelope) {
    return envelope;
  }

  /**
   * Travels with every clustered message: a node that receives a format it does not know (an older or newer Chorus
   * during a rolling update) drops the message with a log line instead of decoding garbage. Bump it with the format.
   */
  @Override
  public String name() {
    return "chorus-envelope.v2";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
