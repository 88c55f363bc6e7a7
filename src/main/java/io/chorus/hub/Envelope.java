package io.chorus.hub;

/**
 * One message on its way from the node it entered to every connection of its room.
 *
 * @param room         the room it was published to
 * @param payload      the message bytes, never modified after creation
 * @param binary       whether it travels as a binary frame (else text)
 * @param ingressNanos when it entered Chorus, on the {@link EpochClock}
 */
public record Envelope(String room, byte[] payload, boolean binary, long ingressNanos) {
}
