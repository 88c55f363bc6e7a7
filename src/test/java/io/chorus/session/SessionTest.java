package io.chorus.session;

import io.chorus.config.ChorusConfig;
import io.chorus.config.ConfigLoader;
import io.chorus.hub.CloseReason;
import io.chorus.hub.Encoding;
import io.chorus.hub.Envelope;
import io.chorus.hub.FakeBroker;
import io.chorus.hub.FlushTiming;
import io.chorus.hub.Hub;
import io.chorus.hub.LocalPresence;
import io.chorus.hub.ManualLoop;
import io.chorus.hub.Message;
import io.chorus.metrics.ChorusMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions over a hub with a synchronous broker, carried by transports that record what they are asked to do. */
class SessionTest {

  private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  private final Queue<Runnable> eventLoop = new ArrayDeque<>();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ChorusMetrics metrics = new ChorusMetrics(registry, () -> true, () -> 1);
  private final FakeBroker broker = new FakeBroker();
  /** The sessions' event loop: tasks wait for runPending(), timers never run; the tests tick the heartbeat. */
  private final ManualLoop loop = new ManualLoop();
  private final Hub hub = new Hub(broker, loop, FlushTiming.endOfTurn(eventLoop::add),
      new UnpooledByteBufAllocator(false), metrics, 100);
  private Sessions sessions;

  @Test
  void plainSessionGetsTheWelcomeThenEveryMessageOfItsRoomIncludingItsOwn() {
    sessions("--welcome-message", "hello");
    RecordingTransport transport = new RecordingTransport();
    Session session = start(transport, "room");

    session.onMessage(bytes("mine"), false);
    runEventLoop();

    assertThat(transport.texts).containsExactly("{\"type\":\"welcome\",\"message\":\"hello\"}", "mine");
    assertThat(transport.flushes).as("the welcome at once, then one per turn").isEqualTo(2);
  }

  @Test
  void backedUpTransportCountsASlowConsumerDropAndIsClosedUnderTheDisconnectPolicy() {
    sessions("--slow-consumer-policy", "disconnect");
    RecordingTransport slow = new RecordingTransport();
    RecordingTransport fast = new RecordingTransport();
    Session sender = start(fast, "room");
    start(slow, "room");
    slow.outcome = Transport.Write.BACKED_UP;

    sender.onMessage(bytes("hi"), false);

    assertThat(slow.closes).containsExactly(CloseReason.SLOW_CONSUMER);
    assertThat(fast.texts).endsWith("hi");
    assertThat(dropped("slow_consumer")).isEqualTo(1);
  }

  @Test
  void backedUpTransportIsKeptUnderTheDropPolicy() {
    sessions("--slow-consumer-policy", "drop");
    RecordingTransport slow = new RecordingTransport();
    Session session = start(slow, "room");
    slow.outcome = Transport.Write.BACKED_UP;

    session.onMessage(bytes("hi"), false);

    assertThat(slow.closes).isEmpty();
    assertThat(dropped("slow_consumer")).isEqualTo(1);
  }

  @Test
  void closingTransportIsNeitherCountedAsSlowNorClosedAgain() {
    sessions("--slow-consumer-policy", "disconnect");
    RecordingTransport closing = new RecordingTransport();
    Session sender = start(new RecordingTransport(), "room");
    start(closing, "room");
    closing.outcome = Transport.Write.CLOSED;

    sender.onMessage(bytes("hi"), false);

    assertThat(closing.closes).isEmpty();
    assertThat(dropped("slow_consumer")).isZero();
  }

  @Test
  void messagesOverTheRateLimitAreDroppedThenTheSessionIsClosed() {
    sessions("--rate-limit", "1", "--rate-limit-burst", "2");
    RecordingTransport transport = new RecordingTransport();
    Session session = start(transport, "room");

    for (int i = 0; i < 10 && transport.closes.isEmpty(); i++) {
      session.onMessage(bytes("m" + i), false);
    }

    assertThat(transport.closes).containsExactly(CloseReason.RATE_LIMITED);
    assertThat(dropped("rate_limit")).isPositive();
    assertThat(transport.texts).contains("m0", "m1").doesNotContain("m9");
  }

  @Test
  void heartbeatPingsWhenDueAndClosesASilentClient() {
    sessions("--ping-interval", "10s", "--idle-timeout", "25s");
    RecordingTransport transport = new RecordingTransport();
    start(transport, "room");
    long start = sessions.now();

    sessions.tick(start + 9 * SECOND);
    assertThat(transport.pings).isZero();
    sessions.tick(start + 10 * SECOND);
    sessions.tick(start + 11 * SECOND);
    assertThat(transport.pings).isEqualTo(1);
    assertThat(transport.closes).isEmpty();

    sessions.tick(start + 26 * SECOND);
    assertThat(transport.closes).containsExactly(CloseReason.IDLE_TIMEOUT);
  }

  @Test
  void clientHeardFromIsNotIdle() {
    sessions("--ping-interval", "10s", "--idle-timeout", "25s");
    RecordingTransport transport = new RecordingTransport();
    Session session = start(transport, "room");
    long start = sessions.now();

    sessions.tick(start + 20 * SECOND);
    session.heard();
    sessions.tick(start + 40 * SECOND);

    assertThat(transport.closes).isEmpty();
  }

  @Test
  void stoppedSessionLeavesItsRoomAndIgnoresItsClient() {
    sessions();
    RecordingTransport leaving = new RecordingTransport();
    RecordingTransport staying = new RecordingTransport();
    Session session = start(leaving, "room");
    Session other = start(staying, "room");

    session.stopServing();
    session.onMessage(bytes("ignored"), false);
    other.onMessage(bytes("after"), false);

    assertThat(leaving.texts).doesNotContain("after");
    assertThat(staying.texts).doesNotContain("ignored").contains("after");
  }

  @Test
  void drainClosesEverySessionWithGoingAwayAndCompletesWhenTheyAreGone() {
    sessions();
    RecordingTransport first = new RecordingTransport();
    RecordingTransport second = new RecordingTransport();
    Session one = start(first, "a");
    Session two = start(second, "b");

    Future<Void> drained = sessions.drain(Duration.ZERO);
    loop.runPending();

    assertThat(second.closes).containsExactly(CloseReason.GOING_AWAY);
    assertThat(first.closes).containsExactly(CloseReason.GOING_AWAY);
    assertThat(drained.isComplete()).isFalse();

    one.closed();
    two.closed();
    assertThat(drained.isComplete()).isTrue();
  }

  @Test
  void chorusV1CommandsThatCannotReachTheStreamsAreAnsweredUnavailable() {
    sessions();
    RecordingTransport transport = new RecordingTransport();
    Session session = sessions.open(transport, Protocol.STRUCTURED, null, sessions.authenticator().anonymous());
    transport.session = session;
    session.start();
    broker.unreachable = true;

    session.onMessage(bytes("{\"id\":1,\"type\":\"subscribe\",\"room\":\"r\"}"), false);
    session.onMessage(bytes("{\"id\":2,\"type\":\"publish\",\"room\":\"r\",\"data\":1}"), false);
    session.onMessage(bytes("{\"id\":3,\"type\":\"history\",\"room\":\"r\"}"), false);

    assertThat(transport.texts).hasSize(4);
    for (String reply : transport.texts.subList(1, 4)) {
      assertThat(new JsonObject(reply).getString("code")).as(reply).isEqualTo("unavailable");
    }
    assertThat(transport.closes).isEmpty();
  }

  private void sessions(String... flags) {
    try {
      ChorusConfig config = ConfigLoader.load(flags, Map.of());
      sessions = new Sessions(config, hub, new LocalPresence(room -> false), metrics, loop,
          new Authenticator(null, config.authentication(), Runnable::run));
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private Session start(RecordingTransport transport, String room) {
    Session session = sessions.open(transport, Protocol.PLAIN, room, sessions.authenticator().anonymous());
    transport.session = session;
    session.start();
    return session;
  }

  private double dropped(String reason) {
    return registry.get("chorus_messages_dropped").tag("reason", reason).counter().count();
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

  /** Writes the payload as it is. */
  private static final class Raw implements Encoding {
    static final Raw INSTANCE = new Raw();

    @Override
    public int slot() {
      return 0;
    }

    @Override
    public int length(Envelope message) {
      return message.payload().length;
    }

    @Override
    public void write(Envelope message, ByteBuf out) {
      out.writeBytes(message.payload());
    }
  }

  /** Records what its session asks of it; closing stops the session, as a real transport's closing handshake does. */
  private static final class RecordingTransport implements Transport {
    final List<String> texts = new ArrayList<>();
    final List<CloseReason> closes = new ArrayList<>();
    Transport.Write outcome = Transport.Write.QUEUED;
    Session session;
    int flushes;
    int pings;

    @Override
    public Write write(Message message) {
      if (outcome == Write.QUEUED) {
        texts.add(message.encodedAs(Raw.INSTANCE).toString(StandardCharsets.UTF_8));
      }
      return outcome;
    }

    @Override
    public Write writeText(Message message) {
      return write(message);
    }

    @Override
    public boolean writable() {
      return outcome == Write.QUEUED;
    }

    @Override
    public void whenWritable(Runnable task) {
    }

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void ping() {
      pings++;
    }

    @Override
    public void close(CloseReason reason) {
      if (closes.isEmpty()) {
        session.stopServing();
      }
      closes.add(reason);
    }

    @Override
    public boolean bidirectional() {
      return true;
    }
  }
}
