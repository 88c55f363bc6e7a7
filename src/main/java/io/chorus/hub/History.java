package io.chorus.hub;

import java.util.List;

/**
 * What a room's stream holds of its past: its current position, and the messages it still keeps after the point
 * asked for, oldest first.
 */
public record History(Position position, List<Envelope> messages) {
}
