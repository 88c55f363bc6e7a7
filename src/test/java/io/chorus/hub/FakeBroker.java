package io.chorus.hub;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Numbers each room's messages, keeps them all as history, and delivers synchronously to every subscriber of the
 * room, unless the test says a message is lost in transit (then only history has it).
 */
public final class FakeBroker implements Broker {
  final Map<String, List<Handler<Envelope>>> sinks = new HashMap<>();
  /** Every message numbered, in order: the history. */
  public final List<Envelope> published = new ArrayList<>();
  final List<String> cancelled = new ArrayList<>();
  private final Map<String, Long> seqs = new HashMap<>();
  String epoch = "e1";
  Promise<Void> readiness;
  /** Numbered and kept, but not delivered live. */
  Predicate<Envelope> lostInTransit = envelope -> false;
  /** The streams cannot be reached: every publish, position and history read fails. */
  public boolean unreachable;

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
  public Future<Position> publish(Envelope envelope) {
    if (unreachable) {
      return Future.failedFuture("streams unreachable");
    }
    long seq = seqs.merge(envelope.room(), 1L, Long::sum);
    Envelope numbered = envelope.sequenced(epoch, seq);
    published.add(numbered);
    if (!lostInTransit.test(numbered)) {
      deliver(numbered);
    }
    return Future.succeededFuture(new Position(epoch, seq));
  }

  /** Hands the envelope to the room's subscribers, as the bus would. */
  void deliver(Envelope envelope) {
    for (Handler<Envelope> sink : List.copyOf(sinks.getOrDefault(envelope.room(), List.of()))) {
      sink.handle(envelope);
    }
  }

  /** The stream starts again, as after a lost history. */
  void restart(String newEpoch) {
    epoch = newEpoch;
    seqs.clear();
    published.clear();
  }

  @Override
  public Future<Position> position(String room) {
    if (unreachable) {
      return Future.failedFuture("streams unreachable");
    }
    return Future.succeededFuture(new Position(epoch, seqs.getOrDefault(room, 0L)));
  }

  @Override
  public Future<History> history(String room, long afterSeq, int limit) {
    if (unreachable) {
      return Future.failedFuture("streams unreachable");
    }
    List<Envelope> kept = published.stream()
        .filter(envelope -> envelope.room().equals(room) && envelope.seq() > afterSeq)
        .toList();
    List<Envelope> newest = kept.subList(Math.max(0, kept.size() - limit), kept.size());
    return Future.succeededFuture(new History(new Position(epoch, seqs.getOrDefault(room, 0L)), newest));
  }
}
