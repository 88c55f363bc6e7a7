package io.chorus.metrics;

/** The chorus.v1 commands, as the {@code type} label of {@code chorus_commands_total}. */
public enum Command {
  SUBSCRIBE("subscribe"),
  UNSUBSCRIBE("unsubscribe"),
  PUBLISH("publish"),
  HISTORY("history"),
  /** Authenticates a connection opened without a token. */
  CONNECT("connect"),
  /** Replaces the connection's token by a fresh one before it expires. */
  REFRESH("refresh"),
  PRESENCE("presence"),
  PRESENCE_STATS("presence_stats"),
  /** Not JSON, no known type: counted apart so that made-up types cannot grow the label set. */
  OTHER("other");

  private final String label;

  Command(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
