package io.chorus.hub;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;

import java.util.ArrayList;
import java.util.List;

/** One connection's place in one room, from {@link Hub#join} until {@link #leave()}. */
public final class Membership {

  int index = -1;
  private final Room room;
  private final Connection connection;
  private final Position since;
  /** Told once whether the connection joined; null once told: a joined connection keeps no result around. */
  private Handler<AsyncResult<Joined>> onJoined;
  private boolean failed;
  /** Live messages that came while the missed ones were being read from history; null when not catching up. */
  private List<Envelope> backlog;
  private boolean left;

  Membership(Room room, Connection connection, Position since, Handler<AsyncResult<Joined>> onJoined) {
    this.room = room;
    this.connection = connection;
    this.since = since;
    this.onJoined = onJoined;
  }

  /** Whether joining failed (the handler was told so), possibly before {@link Hub#join} returned. */
  public boolean hasFailed() {
    return failed;
  }

  /** The room this membership is in. */
  public String room() {
    return room.name;
  }

  /**
   * Takes the connection out of the room; safe to call more than once, and at any time. Leaving before it joined
   * tells the handler that joining failed.
   */
  public void leave() {
    if (!left) {
      left = true;
      room.remove(this);
      fail(new IllegalStateException("left the room before joining it"));
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
    tell(Future.succeededFuture(joined));
  }

  void fail(Throwable cause) {
    failed = true;
    tell(Future.failedFuture(cause));
  }

  private void tell(AsyncResult<Joined> result) {
    Handler<AsyncResult<Joined>> handler = onJoined;
    onJoined = null;
    if (handler != null) {
      handler.handle(result);
    }
  }
}
