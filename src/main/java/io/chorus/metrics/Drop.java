package io.chorus.metrics;

/** Why a message was not broadcast, or not delivered to one connection. */
public enum Drop {
  /** A client sent faster than its rate limit: the message was not broadcast. */
  RATE_LIMIT("rate_limit"),
  /** A connection's pending output was over its bound: the message was not written to it. */
  SLOW_CONSUMER("slow_consumer"),
  /** Direct memory ran out while encoding a broadcast: the message was not written to this event loop's members. */
  OUT_OF_MEMORY("out_of_memory");

  private final String label;

  Drop(String label) {
    this.label = label;
  }

  String label() {
    return label;
  }
}
