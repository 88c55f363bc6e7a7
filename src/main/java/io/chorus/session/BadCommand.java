package io.chorus.session;

import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;

/**
 * A chorus.v1 command that cannot be carried out, with the error code its reply carries. Thrown on the hot path of
 * a misbehaving client, so it captures no stack trace.
 */
final class BadCommand extends Exception {

  private final transient Object id;
  private final Command type;
  private final CommandOutcome outcome;

  BadCommand(Object id, Command type, CommandOutcome outcome, String message) {
    super(message, null, false, false);
    this.id = id;
    this.type = type;
    this.outcome = outcome;
  }

  /** The id to echo, when the frame had a valid one. */
  Object id() {
    return id;
  }

  Command type() {
    return type;
  }

  CommandOutcome outcome() {
    return outcome;
  }
}
