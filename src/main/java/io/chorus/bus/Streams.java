package io.chorus.bus;

import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import io.vertx.core.Future;

import java.util.function.Consumer;

/**
 * The rooms' streams: each room's position (epoch and last number) and its recent messages. In memory on a
 * standalone node ({@link LocalStreams}); in Hazelcast, with a backup, in a cluster.
 */
public interface Streams {

  /**
   * Numbers the envelope with the next number of its room's stream and keeps it in history (when history is on),
   * then hands the numbered envelope to {@code broadcast}: for one room, this node calls {@code broadcast} in number
   * order. Completes with the envelope's position.
   */
  Future<Position> append(Envelope incoming, Consumer<Envelope> broadcast);

  /** The room's position now; a room never published to starts a stream at 0 with a new epoch. */
  Future<Position> position(String room);

  /**
   * A hub of this node has members in the room: its stream must not be forgotten to make room for others, or the
   * members would see it start a new epoch. Called before {@link #position}.
   */
  void hold(String room);

  /** A hub of this node no longer has members in the room; a stream never published to is forgotten. */
  void release(String room);

  /** See {@link io.chorus.hub.Broker#history}. */
  Future<History> read(String room, long afterSeq, int limit);
}
