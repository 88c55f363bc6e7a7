package io.chorus.config;

/** What happens to a connection whose pending output is over {@code max-pending-output}. */
public enum SlowConsumerPolicy {
  /** Close it with 1008 "slow consumer" and write nothing more to it. */
  DISCONNECT,
  /** Skip messages for it, counting each as dropped, until its output drains below the bound. */
  DROP
}
