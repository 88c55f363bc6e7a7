package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageCodec;

import java.nio.charset.StandardCharsets;

/**
 * Local delivery passes the envelope itself (it is immutable); cluster delivery writes compact bytes:
 * kind (1), ingress time (8), sequence number (8), epoch length (1) and epoch, room length (1) and room, payload
 * length (4) and payload.
 */
final class EnvelopeCodec implements MessageCodec<Envelope, Envelope> {

  private static final Envelope.Kind[] KINDS = Envelope.Kind.values();
  /** Lengths of the room and the epoch travel in one unsigned byte; both are far shorter. */
  private static final int MAX_SHORT_STRING_BYTES = 0xFF;

  @Override
  public void encodeToWire(Buffer buffer, Envelope envelope) {
    byte[] epoch = shortString(envelope.epoch(), "epoch");
    byte[] room = shortString(envelope.room(), "room name");
    buffer.appendByte((byte) envelope.kind().ordinal())
        .appendLong(envelope.ingressNanos())
        .appendLong(envelope.seq())
        .appendUnsignedByte((short) epoch.length).appendBytes(epoch)
        .appendUnsignedByte((short) room.length).appendBytes(room)
        .appendInt(envelope.payload().length).appendBytes(envelope.payload());
  }

  @Override
  public Envelope decodeFromWire(int position, Buffer buffer) {
    int at = position;
    Envelope.Kind kind = KINDS[buffer.getByte(at)];
    at += 1;
    long ingressNanos = buffer.getLong(at);
    at += 8;
    long seq = buffer.getLong(at);
    at += 8;
    int epochLength = buffer.getUnsignedByte(at);
    at += 1;
    String epoch = buffer.getString(at, at + epochLength, "US-ASCII");
    at += epochLength;
    int roomLength = buffer.getUnsignedByte(at);
    at += 1;
    String room = buffer.getString(at, at + roomLength, "US-ASCII");
    at += roomLength;
    int payloadLength = buffer.getInt(at);
    at += 4;
    byte[] payload = buffer.getBytes(at, at + payloadLength);
    return new Envelope(room, payload, kind, ingressNanos, epoch, seq);
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
    return "chorus-envelope.v3";
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }

  private static byte[] shortString(String text, String what) {
    byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
    if (bytes.length > MAX_SHORT_STRING_BYTES) {
      throw new IllegalArgumentException(what + " of " + bytes.length + " bytes: at most " + MAX_SHORT_STRING_BYTES);
    }
    return bytes;
  }
}
