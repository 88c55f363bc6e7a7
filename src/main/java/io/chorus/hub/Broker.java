package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Handler;

/**
 * Numbers each room's messages, keeps their recent history and carries them between hubs, on this node and, when
 * clustered, on every other node. The futures it returns may complete on any thread.
 */
public interface Broker {

  /**
   * Starts delivering the room's sequenced envelopes to {@code sink}, on the calling hub's event loop. Envelopes
   * usually come in order; one published on another node may overtake another, and the hub puts them back in order.
   */
  Subscription subscribe(String room, Handler<Envelope> sink);

  /**
   * Gives the envelope the next number of its room's stream, keeps it in history, and sends it to every hub
   * subscribed to the room, this one included; completes with its position once it is numbered (and in history).
   */
  Future<Position> publish(Envelope envelope);

  /** The room's position now: its epoch and the number of its last message. */
  Future<Position> position(String room);

  /**
   * The messages of the room's current epoch numbered above {@code afterSeq} that history still holds, the newest
   * {@code limit} of them; {@code afterSeq} 0 asks for the oldest held.
   */
  Future<History> history(String room, long afterSeq, int limit);

  /** One hub's interest in one room. */
  interface Subscription {

    /** Completes once envelopes published anywhere in the cluster reach the sink. */
    Future<Void> ready();

    void cancel();
  }
}
