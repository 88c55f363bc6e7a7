package io.chorus.metrics;

/**
 * How a chorus.v1 command ended: {@code ok}, or the error code its reply carried (the protocol's list of codes is
 * this enum, so the {@code outcome} label of {@code chorus_commands_total} is the code a client saw).
 */
public enum CommandOutcome {
  OK("ok"),
  /** Not JSON, not an object, a missing or invalid field, a binary frame. */
  BAD_REQUEST("bad_request"),
  UNKNOWN_TYPE("unknown_type"),
  INVALID_ROOM("invalid_room"),
  NOT_SUBSCRIBED("not_subscribed"),
  ALREADY_SUBSCRIBED("already_subscribed"),
  /** The connection unsubscribed from the room before its subscribe was answered. */
  UNSUBSCRIBED("unsubscribed"),
  TOO_MANY_ROOMS("too_many_rooms"),
  /** No valid token yet (before connect), or the token of a connect or refresh is missing, invalid or expired. */
  UNAUTHORIZED("unauthorized"),
  /** The connection's token does not let it subscribe to, or publish in, that room. */
  FORBIDDEN("forbidden"),
  RATE_LIMITED("rate_limited"),
  HISTORY_UNAVAILABLE("history_unavailable"),
  /** The room's stream could not be reached (a cluster in trouble): the client may retry. */
  UNAVAILABLE("unavailable");

  private final String label;

  CommandOutcome(String label) {
    this.label = label;
  }

  /** The label, and the {@code code} of an error reply. */
  public String label() {
    return label;
  }
}
