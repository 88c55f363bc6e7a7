package io.chorus.bus;

import io.chorus.hub.Broker;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The {@link Broker} over the Vert.x event bus and the rooms' {@link Streams}: a publish is numbered and kept by
 * the streams, then published on the bus, where room {@code r} is the address {@code chorus.room.r}. Standalone,
 * the bus hands the same {@link Envelope} object to every local hub; clustered, it sends the envelope once to
 * each node that has a subscriber, and that node hands it to its local hubs.
 */
public final class RoomBus implements Broker {

  static final String ADDRESS_PREFIX = "chorus.room.";

  private final EventBus eventBus;
  private final Streams streams;

  public RoomBus(EventBus eventBus, Streams streams) {
    this.eventBus = eventBus;
    this.streams = streams;
  }

  /** Teaches the event bus to carry envelopes; once per Vert.x instance, before any publish. */
  public static void registerCodec(EventBus eventBus) {
    eventBus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
  }

  @Override
  public Subscription subscribe(String room, Handler<Envelope> sink) {
    streams.hold(room);
    MessageConsumer<Envelope> consumer = eventBus.consumer(ADDRESS_PREFIX + room, message -> sink.handle(message.body()));
    return new Subscription() {
      @Override
      public Future<Void> ready() {
        return consumer.completion();
      }

      @Override
      public void cancel() {
        consumer.unregister();
        streams.release(room);
      }
    };
  }

  @Override
  public Future<Position> publish(Envelope envelope) {
    return streams.append(envelope, numbered -> eventBus.publish(ADDRESS_PREFIX + numbered.room(), numbered));
  }

  @Override
  public Future<Position> position(String room) {
    return streams.position(room);
  }

  @Override
  public Future<History> history(String room, long afterSeq, int limit) {
    return streams.read(room, afterSeq, limit);
  }
}
