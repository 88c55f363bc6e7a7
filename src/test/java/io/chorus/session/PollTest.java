package io.chorus.session;

import io.chorus.hub.Envelope;
import io.chorus.hub.FakeBroker;
import io.chorus.hub.FlushTiming;
import io.chorus.hub.Hub;
import io.chorus.hub.ManualLoop;
import io.chorus.hub.Position;
import io.chorus.metrics.ChorusMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;

import static org.assertj.core.api.Assertions.assertThat;

/** Long polls over a hub with a synchronous broker: what each answer holds, and when it is given. */
class PollTest {

  private static final long BUDGET = 1 << 20;

  /** The hub's flushes: they wait for flush(), as they wait for the end of an event-loop turn. */
  private final Queue<Runnable> flushes = new ArrayDeque<>();
  private final ManualLoop loop = new ManualLoop();
  private final FakeBroker broker = new FakeBroker();
  private final List<Poll.Outcome> outcomes = new ArrayList<>();

  @Test
  void theMessagesOfOneTurnAreAnsweredTogetherAtTheFlush() {
    Hub hub = hub(100);
    Poll.start(hub, "room", new Position("e1", 0), BUDGET, loop, outcomes::add);

    publish(hub, "1");
    publish(hub, "2");
    assertThat(outcomes).as("nothing before the flush").isEmpty();
    flush();
    publish(hub, "3");
    flush();

    assertThat(outcomes).hasSize(1);
    JsonObject answer = answer(0);
    assertThat(answer.getString("epoch")).isEqualTo("e1");
    assertThat(answer.getLong("seq")).isEqualTo(2);
    assertThat(answer.getBoolean("recovered")).isTrue();
    assertThat(answer.getJsonArray("messages").stream().map(m -> ((JsonObject) m).getString("data")))
        .containsExactly("1", "2");
  }

  @Test
  void anAnswerTakesWhatFitsItsBudgetAndTheNextPollTheRest() {
    Hub hub = hub(100);
    for (int i = 1; i <= 5; i++) {
      publish(hub, "message " + i);
    }
    long oneMessage = HistoryReply.utf8Length(HistoryReply.message("room", broker.published.get(0)));

    Poll.start(hub, "room", new Position("e1", 0), 2 * oneMessage, loop, outcomes::add);
    loop.runPending();
    flush();
    Poll.start(hub, "room", new Position("e1", 2), BUDGET, loop, outcomes::add);
    loop.runPending();
    flush();

    assertThat(answer(0).getLong("seq")).isEqualTo(2);
    assertThat(answer(0).getJsonArray("messages")).hasSize(2);
    assertThat(answer(1).getLong("seq")).isEqualTo(5);
    assertThat(answer(1).getJsonArray("messages")).hasSize(3);
  }

  @Test
  void withHistoryOffThePositionTheRoomIsAtWaitsAndAnOlderOneIsNotRecovered() {
    Hub hub = hub(0);
    publish(hub, "1");
    publish(hub, "2");

    Poll.start(hub, "room", new Position("e1", 2), BUDGET, loop, outcomes::add);
    Poll.start(hub, "room", new Position("e1", 1), BUDGET, loop, outcomes::add);
    loop.runPending();

    assertThat(outcomes).as("only the older one is answered at once").hasSize(1);
    assertThat(answer(0).getBoolean("recovered")).isFalse();
    assertThat(answer(0).getLong("seq")).isEqualTo(2);
    assertThat(answer(0).getJsonArray("messages")).isEmpty();
  }

  @Test
  void messagesSkippedWhileHeldEndThePollAfterTheRoomHasToldEveryMember() {
    Hub hub = hub(100);
    Poll poll = Poll.start(hub, "room", new Position("e1", 0), BUDGET, loop, outcomes::add);
    publish(hub, "1");

    poll.skipped("room", new Position("e2", 0));
    assertThat(outcomes).as("not while the room tells its members").isEmpty();
    loop.runPending();

    assertThat(answer(0).getBoolean("recovered")).isFalse();
    assertThat(answer(0).getString("epoch")).isEqualTo("e2");
    assertThat(answer(0).getLong("seq")).isZero();
    assertThat(answer(0).getJsonArray("messages")).hasSize(1);
  }

  @Test
  void aPollEndedBeforeAnythingCameIsAnsweredEmptyAtItsPositionAndACancelledOneNever() {
    Hub hub = hub(100);
    publish(hub, "1");
    Poll ended = Poll.start(hub, "room", null, BUDGET, loop, outcomes::add);
    Poll cancelled = Poll.start(hub, "room", null, BUDGET, loop, outcomes::add);
    loop.runPending();

    ended.end();
    cancelled.cancel();
    publish(hub, "2");
    flush();

    assertThat(outcomes).hasSize(1);
    assertThat(answer(0).getLong("seq")).isEqualTo(1);
    assertThat(answer(0).containsKey("recovered")).isFalse();
    assertThat(answer(0).getJsonArray("messages")).isEmpty();
    assertThat(hub.roomCount()).as("both left the room").isZero();
  }

  @Test
  void aRoomThatCannotBeJoinedIsUnavailable() {
    Hub hub = hub(100);
    broker.unreachable = true;

    Poll.start(hub, "room", null, BUDGET, loop, outcomes::add);
    loop.runPending();

    assertThat(outcomes).containsExactly(new Poll.Unavailable());
  }

  private Hub hub(int historySize) {
    ChorusMetrics metrics = new ChorusMetrics(new SimpleMeterRegistry(), () -> true, () -> 1);
    return new Hub(broker, loop, FlushTiming.endOfTurn(flushes::add), new UnpooledByteBufAllocator(false), metrics,
        historySize);
  }

  private void publish(Hub hub, String text) {
    hub.publish(Envelope.incoming("room", text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT));
  }

  private void flush() {
    Runnable task;
    while ((task = flushes.poll()) != null) {
      task.run();
    }
  }

  private JsonObject answer(int index) {
    return new JsonObject(((Poll.Answer) outcomes.get(index)).json());
  }
}
