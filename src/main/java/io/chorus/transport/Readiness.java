package io.chorus.transport;

/**
 * Whether this node should get new clients: not while it starts, not once it drains. A clustered node serves clients
 * as soon as it has joined, but says it is ready only once the cluster holds a backup of everything again
 * ({@link State#SYNCING}), so that whoever restarts nodes one after another waits for that before stopping the next.
 * Shared by every gateway; written by the composition root, read by the health endpoint and by upgrades.
 */
public final class Readiness {

  /** The life of a node, in order. */
  public enum State { STARTING, SYNCING, READY, DRAINING }

  private volatile State state = State.STARTING;

  public State state() {
    return state;
  }

  /** Whether clients are taken: once started, until the drain. */
  public boolean serving() {
    State now = state;
    return now == State.SYNCING || now == State.READY;
  }

  /** Serving clients, not yet ready: the cluster is not yet in sync. */
  public synchronized void syncing() {
    if (state == State.STARTING) {
      state = State.SYNCING;
    }
  }

  /** Ready, unless the node already drains. */
  public synchronized void ready() {
    if (state == State.STARTING || state == State.SYNCING) {
      state = State.READY;
    }
  }

  public synchronized void drain() {
    state = State.DRAINING;
  }
}
