package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;

/** One connection's place in one room, from {@link Hub#join} until {@link #leave()}. */
public final class Membership {

  int index = -1;
  private final Room room;
  private final Connection connection;
  private final Position since;
  private final Promise<Joined> ready = Promise.promise();
  /** Live messages that came while the missed ones were being read from history; null when not catching up. */
  private List<Envelope> backlog;
  private boolean left;

  Membership(Room room, Connection connection, Position since) {
    this.room = room;
    this.connection = connection;
    this.since = since;
  }

  /**
   * Completes when the connection starts receiving the room's messages, with the room's position at that moment;
   * fails if the room cannot be joined. Callbacks on it run before any message of the room reaches the connection.
   */
  public Future<Joined> ready() {
    return ready.future();
  }

  /** The room this membership is in. */
  public String room() {
    return room.name;
  }

  /**
   * Takes the connection out of the room; safe to call more than once, and at any time. Leaving before
   * {@link #ready()} completed fails it.
   */
  public void leave() {
    if (!left) {
      left = true;
      room.remove(this);
      ready.tryFail("left the room before joining it");
    }
  }

  Connection connection() {
    return connection;
  }

  /** The position the connection came back with, or null when it joined fresh. */
  Position since() {
    return since;
  }

  boolean hasLeft() {
    return left;
  }

  boolean isCatchingUp() {
    return backlog != null;
  }

  void startCatchingUp() {
    backlog = new ArrayList<>();
  }

  /** Keeps a live message for after the missed ones; false when the backlog is full. */
  boolean hold(Envelope envelope, int maxBacklog) {
    if (backlog.size() >= maxBacklog) {
      return false;
    }
    backlog.add(envelope);
    return true;
  }

  /** The live messages held so far; later ones are held anew until {@link #endCatchingUp()}. */
  List<Envelope> takeBacklog() {
    List<Envelope> held = backlog;
    backlog = new ArrayList<>();
    return held;
  }

  void endCatchingUp() {
    backlog = null;
  }

  void joined(Joined joined) {
    ready.complete(joined);
  }

  void fail(Throwable cause) {
    ready.fail(cause);
  }
}
