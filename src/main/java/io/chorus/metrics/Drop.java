package io.chorus.metrics;

/** Why a message was not broadcast, or not delivered to one connection. */
public enum Drop {
  /** A client sent faster than its rate limit: the message was not broadcast. */
  RATE_LIMIT("rate_limit"),
  /** A connection's pending output was over its bound: the message was not written to it. */
  SLOW_CONSUMER("slow_consumer");

  private final String label;

  Drop(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
