package io.chorus.hub;

/**
 * A connection's start in a room: every message after {@code position} reaches it, in order.
 *
 * @param position the room's position when the connection joined
 * @param recovery whether the messages it asked for, after the position it came back with, were delivered first
 */
public record Joined(Position position, Recovery recovery) {

  /** The outcome of coming back to a room at a known position. */
  public enum Recovery {
    /** The connection joined fresh, with no position to come back to. */
    NOT_ASKED,
    /** Every message between the connection's position and {@link Joined#position} comes before live ones. */
    RECOVERED,
    /** Some could not be delivered (another epoch, beyond history, history off): live messages only. */
    NOT_RECOVERED
  }
}
