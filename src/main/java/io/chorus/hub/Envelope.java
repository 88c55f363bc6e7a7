package io.chorus.hub;

/**
 * One message on its way from the node it entered to every connection of its room.
 *
 * @param room         the room it was published to
 * @param payload      the message bytes, never modified after creation
 * @param kind         what the bytes are, which decides how each protocol shows them
 * @param ingressNanos when it entered Chorus, on the {@link EpochClock}
 * @param epoch        the epoch of the room's stream in which it was sequenced; {@code null} before sequencing
 * @param seq          its number in the room's stream, from 1 within the epoch; 0 before sequencing
 */
public record Envelope(String room, byte[] payload, Kind kind, long ingressNanos, String epoch, long seq) {

  /** What a message's bytes are. */
  public enum Kind {
    /** UTF-8 text: a plain client's text frame, or a structured publish whose data is a JSON string (its value). */
    TEXT,
    /** Bytes: a plain client's binary frame, or a structured publish's base64-decoded {@code binary}. */
    BINARY,
    /** The compact JSON text of a structured publish's {@code data} that is not a string. */
    JSON
  }

  /** A message as it enters Chorus, before its room's stream numbers it. */
  public static Envelope incoming(String room, byte[] payload, Kind kind) {
    return new Envelope(room, payload, kind, EpochClock.nanos(), null, 0);
  }

  /** This message with its place in the room's stream. */
  public Envelope sequenced(String epoch, long seq) {
    return new Envelope(room, payload, kind, ingressNanos, epoch, seq);
  }

  public boolean binary() {
    return kind == Kind.BINARY;
  }
}
