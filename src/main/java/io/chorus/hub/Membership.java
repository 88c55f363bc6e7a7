package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/** One connection's place in one room, from {@link Hub#join} until {@link #leave()}. */
public final class Membership {

  int index = -1;
  private final Room room;
  private final Connection connection;
  private final Promise<Void> ready = Promise.promise();
  private boolean left;

  Membership(Room room, Connection connection) {
    this.room = room;
    this.connection = connection;
  }

  /** Completes when the connection starts receiving the room's messages; fails if the room cannot be joined. */
  public Future<Void> ready() {
    return ready.future();
  }

  /** Takes the connection out of the room; safe to call more than once, and at any time. */
  public void leave() {
    if (!left) {
      left = true;
      room.remove(this);
    }
  }

  Connection connection() {
    return connection;
  }

  boolean hasLeft() {
    return left;
  }

  void activate() {
    ready.complete();
  }

  void fail(Throwable cause) {
    ready.fail(cause);
  }
}
