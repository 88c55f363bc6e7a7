package io.chorus.hub;

import io.chorus.metrics.ChorusMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/** The hub alone, with a broker and connections that record what happens to them. */
class HubTest {

  private static final RawEncoding RAW = new RawEncoding(0);
  private static final Duration WRITE_DELAY = Duration.ofMillis(1);

  private final FakeBroker broker = new FakeBroker();
  private final ManualLoop loop = new ManualLoop();
  /** The flush tasks: they run at the end of the event loop's turn, which the tests mark by running them. */
  private final Queue<Runnable> eventLoop = new ArrayDeque<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Hub hub = new Hub(broker, loop, FlushTiming.endOfTurn(eventLoop::add),
      new UnpooledByteBufAllocator(false), new ChorusMetrics(registry, () -> true, () -> 1), 100);

  @Test
  void firstJoinSubscribesOnceAndLastLeaveCancels() {
    Membership a = hub.join("room", new RecordingConnection(), null, joined -> { });
    Membership b = hub.join("room", new RecordingConnection(), null, joined -> { });

    assertThat(broker.subscriptions("room")).isEqualTo(1);
    assertThat(hub.roomCount()).isEqualTo(1);

    a.leave();
    assertThat(broker.cancelled).isEmpty();
    b.leave();
    assertThat(broker.cancelled).containsExactly("room");
    assertThat(hub.roomCount()).isZero();
  }

  @Test
  void subscribersCountsTheConnectionsThatJoinedUntilTheyLeaveOnEveryHubOfTheNode() {
    Hub other = new Hub(broker, loop, FlushTiming.endOfTurn(eventLoop::add), new UnpooledByteBufAllocator(false),
        new ChorusMetrics(new SimpleMeterRegistry(), () -> true, () -> 1), 100);
    LocalCensus census = new LocalCensus();
    census.add(hub);
    census.add(other);
    broker.readiness = Promise.promise();
    Membership waiting = hub.join("room", new RecordingConnection(), null, joined -> { });
    assertThat(hub.subscribers("room")).as("before the room knows its position").isZero();

    broker.readiness.complete();
    Membership second = hub.join("room", new RecordingConnection(), null, joined -> { });
    Membership elsewhere = other.join("room", new RecordingConnection(), null, joined -> { });
    assertThat(hub.subscribers("room")).isEqualTo(2);
    assertThat(census.count("room")).isEqualTo(3);
    assertThat(census.count("another-room")).isZero();

    waiting.leave();
    elsewhere.leave();
    assertThat(census.count("room")).isEqualTo(1);
    second.leave();
    assertThat(census.count("room")).isZero();
  }

  @Test
  void connectionReceivesOnlyOnceItsMembershipIsReady() {
    broker.readiness = Promise.promise();
    RecordingConnection connection = new RecordingConnection();
    Told told = new Told();
    hub.join("room", connection, null, told);

    publish("room", "before");
    assertThat(connection.texts()).isEmpty();
    assertThat(told.result).isNull();

    broker.readiness.complete();
    publish("room", "after");

    assertThat(told.result.succeeded()).isTrue();
    assertThat(connection.texts()).containsExactly("after");
  }

  @Test
  void oneFlushPerConnectionPerEventLoopTurn() {
    RecordingConnection first = new RecordingConnection();
    RecordingConnection second = new RecordingConnection();
    hub.join("room", first, null, joined -> { });
    hub.join("room", second, null, joined -> { });

    publish("room", "one");
    publish("room", "two");
    assertThat(first.flushes).isZero();
    runEventLoop();

    assertThat(first.texts()).containsExactly("one", "two");
    assertThat(second.texts()).containsExactly("one", "two");
    assertThat(first.flushes).isEqualTo(1);
    assertThat(second.flushes).isEqualTo(1);
  }

  @Test
  void underAHighBroadcastRateTheFlushWaitsTheWriteDelayAndTakesWhatCameMeanwhile() {
    Hub delayed = hubWithWriteDelay();
    RecordingConnection connection = memberAfterBroadcastsEvery(delayed, WRITE_DELAY.dividedBy(10));
    loop.advance(WRITE_DELAY);
    int flushes = connection.flushes;

    publish(delayed, "room", "one");
    loop.runPending();
    assertThat(connection.flushes).as("at the end of the turn").isEqualTo(flushes);
    loop.advance(WRITE_DELAY.dividedBy(2));
    publish(delayed, "room", "two");
    loop.advance(WRITE_DELAY.dividedBy(2));

    assertThat(connection.flushes).isEqualTo(flushes + 1);
    assertThat(connection.texts()).endsWith("one", "two");
  }

  @Test
  void underALowBroadcastRateTheFlushRunsAtTheEndOfTheTurn() {
    Hub delayed = hubWithWriteDelay();
    RecordingConnection connection = memberAfterBroadcastsEvery(delayed, WRITE_DELAY.multipliedBy(10));
    int flushes = connection.flushes;

    publish(delayed, "room", "one");
    loop.runPending();

    assertThat(connection.flushes).isEqualTo(flushes + 1);
  }

  @Test
  void connectionInTwoRoomsGetsEachMessageOnceAndIsFlushedOncePerTurn() {
    RecordingConnection both = new RecordingConnection();
    hub.join("red", both, null, joined -> { });
    hub.join("blue", both, null, joined -> { });

    publish("red", "one");
    publish("blue", "two");
    publish("red", "three");
    runEventLoop();

    assertThat(both.texts()).containsExactly("one", "two", "three");
    assertThat(both.flushes).isEqualTo(1);
  }

  @Test
  void connectionLeavingItsRoomBeforeTheFlushIsStillFlushed() {
    RecordingConnection leaving = new RecordingConnection();
    Membership membership = hub.join("room", leaving, null, joined -> { });

    publish("room", "last words");
    membership.leave();
    runEventLoop();

    assertThat(leaving.texts()).containsExactly("last words");
    assertThat(leaving.flushes).isEqualTo(1);
  }

  @Test
  void connectionWrittenToInALaterTurnIsFlushedAgain() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });

    publish("room", "one");
    runEventLoop();
    publish("room", "two");
    runEventLoop();

    assertThat(connection.flushes).isEqualTo(2);
  }

  @Test
  void eachEncodingIsMadeOncePerMessageWhateverTheNumberOfConnections() {
    RawEncoding first = new RawEncoding(0);
    RawEncoding second = new RawEncoding(1);
    List<ByteBuf> shared = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      hub.join("room", new RecordingConnection(first, message -> shared.add(message.encodedAs(first))), null, joined -> { });
    }
    for (int i = 0; i < 20; i++) {
      hub.join("room", new RecordingConnection(second, message -> { }), null, joined -> { });
    }

    publish("room", "once");

    assertThat(first.encoded).isEqualTo(1);
    assertThat(second.encoded).isEqualTo(1);
    assertThat(shared).hasSize(50).allSatisfy(bytes -> assertThat(bytes).isSameAs(shared.get(0)));
    assertThat(shared.get(0).refCnt()).as("released once the broadcast is over").isZero();
  }

  @Test
  void constantMessageKeepsItsEncodingAcrossReleases() {
    Message welcome = Message.constant("welcome");
    ByteBuf bytes = welcome.encodedAs(RAW);

    welcome.release();
    welcome.encodedAs(RAW).retainedDuplicate().release();

    assertThat(welcome.encodedAs(RAW)).isSameAs(bytes);
    assertThat(bytes.toString(StandardCharsets.UTF_8)).isEqualTo("welcome");
  }

  @Test
  void fanOutIsCountedOncePerBatchWithOneLatencySample() {
    for (int i = 0; i < 3; i++) {
      hub.join("room", new RecordingConnection(), null, joined -> { });
    }
    hub.join("other", new RecordingConnection(), null, joined -> { });

    publish("room", "12345");

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

    hub.publish(Envelope.incoming("room", bytes("x"), Envelope.Kind.BINARY));

    Envelope envelope = broker.published.get(0);
    assertThat(envelope.room()).isEqualTo("room");
    assertThat(envelope.binary()).isTrue();
    assertThat(envelope.ingressNanos()).isBetween(before, EpochClock.nanos());
    assertThat(envelope.seq()).isEqualTo(1);
  }

  @Test
  void memberLeavingDuringABroadcastDoesNotDisturbTheOthers() {
    List<RecordingConnection> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      RecordingConnection connection = new RecordingConnection();
      others.add(connection);
      hub.join("room", connection, null, joined -> { });
    }
    Membership[] leaver = new Membership[1];
    RecordingConnection leaving = new RecordingConnection(message -> leaver[0].leave());
    leaver[0] = hub.join("room", leaving, null, joined -> { });
    RecordingConnection last = new RecordingConnection();
    others.add(last);
    hub.join("room", last, null, joined -> { });

    publish("room", "first");
    publish("room", "second");

    for (RecordingConnection connection : others) {
      assertThat(connection.texts()).containsExactly("first", "second");
    }
    assertThat(leaving.texts()).containsExactly("first");
  }

  @Test
  void failedSubscriptionFailsTheMembershipAndForgetsTheRoom() {
    broker.readiness = Promise.promise();
    Told told = new Told();
    Membership membership = hub.join("room", new RecordingConnection(), null, told);

    broker.readiness.fail("cluster unavailable");

    assertThat(told.result.failed()).isTrue();
    assertThat(membership.hasFailed()).isTrue();
    assertThat(hub.roomCount()).isZero();
    assertThat(broker.cancelled).containsExactly("room");
  }

  @Test
  void leavingBeforeReadyStillCancelsTheSubscription() {
    broker.readiness = Promise.promise();
    Membership membership = hub.join("room", new RecordingConnection(), null, joined -> { });

    membership.leave();
    broker.readiness.complete();

    assertThat(broker.cancelled).containsExactly("room");
    assertThat(hub.roomCount()).isZero();
  }

  @Test
  void messageThatOvertookAnEarlierOneWaitsForIt() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });
    broker.lostInTransit = envelope -> true;
    publish("room", "one");
    publish("room", "two");

    broker.deliver(broker.published.get(1));
    assertThat(connection.texts()).isEmpty();
    broker.deliver(broker.published.get(0));

    assertThat(connection.texts()).containsExactly("one", "two");
  }

  @Test
  void holeThatHistoryHoldsIsFilledAfterTheGapWait() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });
    broker.lostInTransit = envelope -> envelope.seq() == 2;
    publish("room", "one");
    publish("room", "two");
    publish("room", "three");
    assertThat(connection.texts()).containsExactly("one");

    loop.advance(Duration.ofMillis(199));
    assertThat(connection.texts()).containsExactly("one");
    loop.advance(Duration.ofMillis(1));

    assertThat(connection.texts()).containsExactly("one", "two", "three");
    assertThat(connection.skips).isEmpty();
  }

  @Test
  void holeThatHistoryNoLongerHoldsIsSkippedAndMembersAreTold() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });
    broker.lostInTransit = envelope -> envelope.seq() == 2;
    publish("room", "one");
    publish("room", "two");
    broker.published.remove(1);
    publish("room", "three");

    loop.advance(Duration.ofMillis(200));

    assertThat(connection.texts()).containsExactly("one", "three");
    assertThat(connection.skips).containsExactly(new Position("e1", 2));
  }

  @Test
  void youngRoomFetchesWhatItsStreamNumberedButNeverSentIt() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });
    broker.lostInTransit = envelope -> true;
    publish("room", "went to the nodes that knew");

    loop.advance(Duration.ofMillis(250));
    assertThat(connection.texts()).as("it may still be on its way").isEmpty();
    loop.advance(Duration.ofMillis(200));

    assertThat(connection.texts()).containsExactly("went to the nodes that knew");
  }

  @Test
  void comingBackIsAnsweredThenGetsTheMissedMessagesThenLiveOnes() {
    publish("room", "one");
    publish("room", "two");
    publish("room", "three");
    RecordingConnection connection = new RecordingConnection();

    List<Integer> receivedWhenJoined = new ArrayList<>();
    List<Joined> told = new ArrayList<>();
    hub.join("room", connection, new Position("e1", 1), joined -> {
      receivedWhenJoined.add(connection.texts().size());
      told.add(joined.result());
    });
    publish("room", "four");

    assertThat(receivedWhenJoined).as("told it joined before the missed messages came").containsExactly(0);
    assertThat(told).containsExactly(new Joined(new Position("e1", 3), Joined.Recovery.RECOVERED));
    assertThat(connection.texts()).containsExactly("two", "three", "four");
  }

  @Test
  void comingBackPausesWhileTheConnectionCannotTakeMoreAndLiveMessagesWaitBehind() {
    for (int i = 1; i <= 4; i++) {
      publish("room", "missed " + i);
    }
    RecordingConnection slow = new RecordingConnection(message -> { });
    slow.writable = false;

    hub.join("room", slow, new Position("e1", 0), joined -> { });
    publish("room", "live");
    assertThat(slow.texts()).isEmpty();
    slow.writable = true;
    slow.onWritable.run();

    assertThat(slow.texts()).containsExactly("missed 1", "missed 2", "missed 3", "missed 4", "live");
    publish("room", "after");
    assertThat(slow.texts()).endsWith("after");
  }

  @Test
  void comingBackHavingReceivedNothingRecoversWhateverEpochTheClientSaw() {
    publish("room", "first");
    RecordingConnection connection = new RecordingConnection();

    Told told = new Told();
    hub.join("room", connection, new Position("seen-before-the-first-message", 0), told);

    assertThat(told.result.result().recovery()).isEqualTo(Joined.Recovery.RECOVERED);
    assertThat(connection.texts()).containsExactly("first");
  }

  @Test
  void comingBackFromAnotherEpochOrBeyondHistoryIsNotRecovered() {
    publish("room", "one");
    publish("room", "two");
    broker.published.remove(0);

    Told otherEpoch = new Told();
    hub.join("room", new RecordingConnection(), new Position("e0", 1), otherEpoch);
    RecordingConnection late = new RecordingConnection();
    Told beyondHistory = new Told();
    hub.join("room", late, new Position("e1", 0), beyondHistory);

    assertThat(otherEpoch.result.result().recovery()).isEqualTo(Joined.Recovery.NOT_RECOVERED);
    assertThat(beyondHistory.result.result().recovery()).isEqualTo(Joined.Recovery.NOT_RECOVERED);
    assertThat(late.texts()).isEmpty();
  }

  @Test
  void newEpochTellsMembersWhereTheStreamNowIs() {
    RecordingConnection connection = new RecordingConnection();
    hub.join("room", connection, null, joined -> { });
    publish("room", "one");

    broker.restart("e2");
    publish("room", "again");

    assertThat(connection.skips).containsExactly(new Position("e2", 0));
    assertThat(connection.texts()).containsExactly("one", "again");
  }

  private void runEventLoop() {
    Runnable task;
    while ((task = eventLoop.poll()) != null) {
      task.run();
    }
  }

  private void publish(String room, String text) {
    publish(hub, room, text);
  }

  private static void publish(Hub to, String room, String text) {
    to.publish(Envelope.incoming(room, bytes(text), Envelope.Kind.TEXT));
  }

  private Hub hubWithWriteDelay() {
    return new Hub(broker, loop, FlushTiming.of(loop, WRITE_DELAY), new UnpooledByteBufAllocator(false),
        new ChorusMetrics(new SimpleMeterRegistry(), () -> true, () -> 1), 100);
  }

  /**
   * A connection in "room" of {@code to}, after 40 messages published there {@code interval} apart with the loop
   * running meanwhile: long enough for the hub's flush timing to settle on that rate.
   */
  private RecordingConnection memberAfterBroadcastsEvery(Hub to, Duration interval) {
    RecordingConnection connection = new RecordingConnection();
    to.join("room", connection, null, joined -> { });
    for (int i = 0; i < 40; i++) {
      loop.advance(interval);
      publish(to, "room", "message " + i);
      loop.runPending();
    }
    return connection;
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** What a join was told, once it was. */
  static final class Told implements Handler<AsyncResult<Joined>> {
    AsyncResult<Joined> result;

    @Override
    public void handle(AsyncResult<Joined> joined) {
      assertThat(result).as("told once").isNull();
      result = joined;
    }
  }

  /** Writes the payload as it is, and counts how often it was asked to. */
  static final class RawEncoding implements Encoding {
    final int slot;
    int encoded;

    RawEncoding(int slot) {
      this.slot = slot;
    }

    @Override
    public int slot() {
      return slot;
    }

    @Override
    public int length(Envelope message) {
      return message.payload().length;
    }

    @Override
    public void write(Envelope message, ByteBuf out) {
      encoded++;
      out.writeBytes(message.payload());
    }
  }

  /** Reads what the hub sends back in its encoding, as text, and counts flushes. */
  static final class RecordingConnection extends Connection {
    private final List<String> received = new ArrayList<>();
    private final Consumer<Message> onSend;
    private final Encoding encoding;
    final List<Position> skips = new ArrayList<>();
    boolean writable = true;
    Runnable onWritable;
    int flushes;

    RecordingConnection() {
      this(message -> { });
    }

    RecordingConnection(Consumer<Message> onSend) {
      this(RAW, onSend);
    }

    RecordingConnection(Encoding encoding, Consumer<Message> onSend) {
      this.encoding = encoding;
      this.onSend = onSend;
    }

    List<String> texts() {
      return received;
    }

    @Override
    public boolean send(Message message) {
      ByteBuf bytes = message.encodedAs(encoding).retainedDuplicate();
      received.add(bytes.toString(StandardCharsets.UTF_8));
      bytes.release();
      onSend.accept(message);
      return true;
    }

    @Override
    public void skipped(String room, Position position) {
      skips.add(position);
    }

    @Override
    public boolean writable() {
      return writable;
    }

    @Override
    public void whenWritable(Runnable task) {
      onWritable = task;
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
