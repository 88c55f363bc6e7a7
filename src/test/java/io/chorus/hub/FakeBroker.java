package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Delivers synchronously to every subscriber of a room. */
public final class FakeBroker implements Broker {
  final Map<String, List<Handler<Envelope>>> sinks = new HashMap<>();
  final List<Envelope> published = new ArrayList<>();
  final List<String> cancelled = new ArrayList<>();
  Promise<Void> readiness;

  int subscriptions(String room) {
    return sinks.getOrDefault(room, List.of()).size();
  }

  @Override
  public Subscription subscribe(String room, Handler<Envelope> sink) {
    sinks.computeIfAbsent(room, r -> new ArrayList<>()).add(sink);
    Future<Void> ready = readiness == null ? Future.succeededFuture() : readiness.future();
    return new Subscription() {
      @Override
      public Future<Void> ready() {
        return ready;
      }

      @Override
      public void cancel() {
        sinks.get(room).remove(sink);
        cancelled.add(room);
      }
    };
  }

  @Override
  public void publish(Envelope envelope) {
    published.add(envelope);
    for (Handler<Envelope> sink : List.copyOf(sinks.getOrDefault(envelope.room(), List.of()))) {
      sink.handle(envelope);
    }
  }
}
