package io.chorus.bus;

import io.chorus.hub.Broker;
import io.chorus.hub.Envelope;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * The {@link Broker} over the Vert.x event bus: room {@code r} is the address {@code chorus.room.r}. Standalone,
 * the bus hands the same {@link Envelope} object to every local hub; clustered, it sends the envelope once to
 * each node that has a subscriber, and that node hands it to its local hubs.
 */
public final class RoomBus implements Broker {

  static final String ADDRESS_PREFIX = "chorus.room.";

  private final EventBus eventBus;

  public RoomBus(EventBus eventBus) {
    this.eventBus = eventBus;
  }

  /** Teaches the event bus to carry envelopes; once per Vert.x instance, before any publish. */
  public static void registerCodec(EventBus eventBus) {
    eventBus.registerDefaultCodec(Envelope.class, new EnvelopeCodec());
  }

  @Override
  public Subscription subscribe(String room, Handler<Envelope> sink) {
    MessageConsumer<Envelope> consumer = eventBus.consumer(ADDRESS_PREFIX + room, message -> sink.handle(message.body()));
    return new Subscription() {
      @Override
      public Future<Void> ready() {
        return consumer.completion();
      }

      @Override
      public void cancel() {
        consumer.unregister();
      }
    };
  }

  @Override
  public void publish(Envelope envelope) {
    eventBus.publish(ADDRESS_PREFIX + envelope.room(), envelope);
  }
}
