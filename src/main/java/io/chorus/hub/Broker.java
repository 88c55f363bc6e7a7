package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Handler;

/** Carries envelopes between hubs, on this node and, when clustered, on every other node. */
public interface Broker {

  /**
   * Starts delivering the room's envelopes to {@code sink}, on the calling hub's event loop.
   */
  Subscription subscribe(String room, Handler<Envelope> sink);

  /** Sends the envelope to every hub subscribed to its room, this one included. */
  void publish(Envelope envelope);

  /** One hub's interest in one room. */
  interface Subscription {

    /** Completes once envelopes published anywhere in the cluster reach the sink. */
    Future<Void> ready();

    void cancel();
  }
}
