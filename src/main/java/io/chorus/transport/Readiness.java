package io.chorus.transport;

/**
 * Whether this node should get new clients: not while it starts, not once it drains. Shared by every gateway;
 * written by the composition root, read by the health endpoint and by upgrades.
 */
public final class Readiness {

  /** The life of a node, in order. */
  public enum State { STARTING, READY, DRAINING }

  private volatile State state = State.STARTING;

  public State state() {
    return state;
  }

  public void ready() {
    state = State.READY;
  }

  public void drain() {
    state = State.DRAINING;
  }
}
