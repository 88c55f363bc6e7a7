package io.chorus.hub;

/**
 * A place in a room's stream: the last message numbered {@code seq} in {@code epoch}; 0 before the first message.
 * The epoch changes whenever the room's history may have been lost, and numbering restarts with it.
 */
public record Position(String epoch, long seq) {
}
