package io.chorus.hub;

import io.chorus.metrics.ChorusMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub alone, with a broker and connections that record what happens to them. */
class HubTest {

  private final FakeBroker broker = new FakeBroker();
  private final Queue<Runnable> eventLoop = new ArrayDeque<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Hub hub = new Hub(broker, eventLoop::add, new UnpooledByteBufAllocator(false),
      new ChorusMetrics(registry, () -> true, () -> 1));

  @Test
  void firstJoinSubscribesOnceAndLastLeaveCancels() {
    Membership a = hub.join("room", new RecordingConnection());
    Membership b = hub.join("room", new RecordingConnection());

    assertThat(broker.subscriptions("room")).isEqualTo(1);
    assertThat(hub.roomCount()).isEqualTo(1);

    a.leave();
    assertThat(broker.cancelled).isEmpty();
    b.leave();
    assertThat(broker.cancelled).containsExactly("room");
    assertThat(hub.roomCount()).isZero();
  }

  @Test
  void connectionReceivesOnlyOnceItsMembershipIsReady() {
    broker.readiness = Promise.promise();
    RecordingConnection connection = new RecordingConnection();
    Membership membership = hub.join("room", connection);

    hub.publish("room", bytes("before"), false);
    assertThat(connection.texts()).isEmpty();
    assertThat(membership.ready().isComplete()).isFalse();

    broker.readiness.complete();
    hub.publish("room", bytes("after"), false);

    assertThat(membership.ready().succeeded()).isTrue();
    assertThat(connection.texts()).containsExactly("after");
  }

  @Test
  void oneFlushPerConnectionPerEventLoopTurn() {
    RecordingConnection first = new RecordingConnection();
    RecordingConnection second = new RecordingConnection();
    hub.join("room", first);
    hub.join("room", second);

    hub.publish("room", bytes("one"), false);
    hub.publish("room", bytes("two"), false);
    assertThat(first.flushes).isZero();
    runEventLoop();

    assertThat(first.texts()).containsExactly("one", "two");
    assertThat(second.texts()).containsExactly("one", "two");
    assertThat(first.flushes).isEqualTo(1);
    assertThat(second.flushes).isEqualTo(1);
  }

  @Test
  void fanOutIsCountedOncePerBatchWithOneLatencySample() {
    for (int i = 0; i < 3; i++) {
      hub.join("room", new RecordingConnection());
    }
    hub.join("other", new RecordingConnection());

    hub.publish("room", bytes("12345"), false);

    assertThat(registry.get("chorus_messages_received").counter().count()).isEqualTo(1);
    assertThat(registry.get("chorus_bytes_received").counter().count()).isEqualTo(5);
    assertThat(registry.get("chorus_messages_delivered").counter().count()).isEqualTo(3);
    assertThat(registry.get("chorus_bytes_delivered").counter().count()).isEqualTo(15);
    assertThat(registry.get("chorus_delivery_latency").timer().count()).isEqualTo(1);
    assertThat(registry.get("chorus_rooms").gauge().value()).isEqualTo(2);
  }

  @Test
  void envelopeCarriesRoomTypeAndIngressTime() {
    long before = EpochClock.nanos();

    hub.publish("room", bytes("x"), true);

    Envelope envelope = broker.published.get(0);
    assertThat(envelope.room()).isEqualTo("room");
    assertThat(envelope.binary()).isTrue();
    assertThat(envelope.ingressNanos()).isBetween(before, EpochClock.nanos());
  }

  @Test
  void memberLeavingDuringABroadcastDoesNotDisturbTheOthers() {
    List<RecordingConnection> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RecordingConnection connection = new RecordingConnection();
      others.add(connection);
      hub.join("room", connection);
    }
    Membership[] leaver = new Membership[1];
    RecordingConnection leaving = new RecordingConnection(message -> leaver[0].leave());
    leaver[0] = hub.join("room", leaving);
    RecordingConnection last = new RecordingConnection();
    others.add(last);
    hub.join("room", last);

    hub.publish("room", bytes("first"), false);
    hub.publish("room", bytes("second"), false);

    for (RecordingConnection connection : others) {
      assertThat(connection.texts()).containsExactly("first", "second");
    }
    assertThat(leaving.texts()).containsExactly("first");
  }

  @Test
  void failedSubscriptionFailsTheMembershipAndForgetsTheRoom() {
    broker.readiness = Promise.promise();
    Membership membership = hub.join("room", new RecordingConnection());

    broker.readiness.fail("cluster unavailable");

    assertThat(membership.ready().failed()).isTrue();
    assertThat(hub.roomCount()).isZero();
    assertThat(broker.cancelled).containsExactly("room");
  }

  @Test
  void leavingBeforeReadyStillCancelsTheSubscription() {
    broker.readiness = Promise.promise();
    Membership membership = hub.join("room", new RecordingConnection());

    membership.leave();
    broker.readiness.complete();

    assertThat(broker.cancelled).containsExactly("room");
    assertThat(hub.roomCount()).isZero();
  }

  private void runEventLoop() {
    Runnable task;
    while ((task = eventLoop.poll()) != null) {
      task.run();
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** Delivers synchronously to every subscriber of a room. */
  private static final class FakeBroker implements Broker {
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

  /** Decodes what the hub sends back into text, and counts flushes. */
  private static final class RecordingConnection implements Connection {
    private final List<String> received = new ArrayList<>();
    private final Consumer<OutboundMessage> onSend;
    int flushes;

    RecordingConnection() {
      this(message -> { });
    }

    RecordingConnection(Consumer<OutboundMessage> onSend) {
      this.onSend = onSend;
    }

    List<String> texts() {
      return received;
    }

    @Override
    public boolean send(OutboundMessage message) {
      ByteBuf frame = message.webSocketFrame().duplicate();
      int length = frame.getByte(1) & 0x7F;
      received.add(frame.toString(2, length, StandardCharsets.UTF_8));
      onSend.accept(message);
      return true;
    }

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void close(CloseReason reason) {
    }
  }
}
