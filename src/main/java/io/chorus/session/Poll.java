package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Connection;
import io.chorus.hub.Envelope;
import io.chorus.hub.Hub;
import io.chorus.hub.Joined;
import io.chorus.hub.Membership;
import io.chorus.hub.Message;
import io.chorus.hub.Position;
import io.vertx.core.AsyncResult;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * One long poll: a connection of the hub that joins its room from the client's position, like a chorus.v1 resume,
 * takes the messages after it (those history held first, then live ones), and is answered, once, with what it took
 * at the hub's next flush, so that the messages of one turn go out together; then it leaves the room. Resuming
 * through the hub's join leaves no moment in which a message could pass between history and live delivery.
 *
 * <p>It is answered at once, without messages, when the position cannot be resumed from (another epoch, older than
 * history holds, history off with messages since): {@code "recovered":false} and the room's position, from which
 * the client goes on. Touched by its event loop only.
 */
public final class Poll extends Connection {

  /** How a poll ends. */
  public sealed interface Outcome permits Answer, Unavailable {
  }

  /** The answer: {@code {"type":"poll","room",…,"epoch","seq"[,"recovered"],"messages":[…]}}. */
  public record Answer(String json) implements Outcome {
  }

  /** The room's stream could not be reached (a cluster in trouble): the client should try again. */
  public record Unavailable() implements Outcome {
  }

  private final String room;
  private final long budget;
  private final Executor later;
  private final Consumer<Outcome> onEnd;
  private final List<String> messages = new ArrayList<>();
  private Membership membership;
  /** After the last message taken: the client's next {@code since}. Null until known. */
  private Position position;
  /** Null when the client named no position and nothing was skipped. */
  private Boolean recovered;
  private long bytes;
  /** Takes no more messages: its budget is spent, or the room skipped some. */
  private boolean full;
  private boolean ended;

  private Poll(String room, Position since, long budget, Executor later, Consumer<Outcome> onEnd) {
    this.room = room;
    this.position = since;
    this.recovered = since == null ? null : Boolean.TRUE;
    this.budget = budget;
    this.later = later;
    this.onEnd = onEnd;
  }

  /**
   * Starts waiting in {@code room} for the messages after {@code since} (null: from now on).
   *
   * @param budget bytes of messages one answer carries, as written; it takes at least one, and the next poll the rest
   * @param later  runs a task on this event loop after the current one
   * @param onEnd  told once how the poll ended, unless {@link #cancel()}led first
   */
  public static Poll start(Hub hub, String room, Position since, long budget, Executor later,
      Consumer<Outcome> onEnd) {
    Poll poll = new Poll(room, since, budget, later, onEnd);
    Membership membership = hub.join(room, poll, since, poll::joined);
    poll.membership = membership;
    if (poll.ended) {
      membership.leave();
    }
    return poll;
  }

  /**
   * Time is up, or the node drains: answered now with what it has, none at all being an answer too (unavailable
   * while the room has not told where it is).
   */
  public void end() {
    if (leaveOnce()) {
      onEnd.accept(position == null ? new Unavailable() : new Answer(render()));
    }
  }

  /** The client went away: the poll leaves its room, unanswered. */
  public void cancel() {
    leaveOnce();
  }

  @Override
  public boolean send(Message message) {
    if (ended || full) {
      return false;
    }
    Envelope envelope = message.envelope();
    String json = HistoryReply.message(room, envelope);
    long size = HistoryReply.utf8Length(json);
    if (!messages.isEmpty() && bytes + size > budget) {
      full = true;
      return false;
    }
    messages.add(json);
    bytes += size;
    position = new Position(envelope.epoch(), envelope.seq());
    return true;
  }

  /** The messages up to {@code skippedTo} that it has not taken will never come: the client hears so at once. */
  @Override
  public void skipped(String room, Position skippedTo) {
    if (ended || full) {
      return;
    }
    full = true;
    position = skippedTo;
    recovered = Boolean.FALSE;
    // Not now: the room is telling its members one by one, and leaving would move another into this one's place.
    later.execute(this::end);
  }

  @Override
  public boolean writable() {
    return !ended && !full;
  }

  /** Never needed: a poll that cannot take more is answered at the next flush and takes nothing after. */
  @Override
  public void whenWritable(Runnable task) {
  }

  /** The hub's flush after this turn's messages: they are the answer. */
  @Override
  public void flush() {
    if (!messages.isEmpty()) {
      end();
    }
  }

  /** The hub gives up on it (it fell too far behind while catching up): answered with what it took. */
  @Override
  public void close(CloseReason reason) {
    end();
  }

  private void joined(AsyncResult<Joined> joined) {
    if (ended) {
      return;
    }
    if (joined.failed()) {
      leaveOnce();
      onEnd.accept(new Unavailable());
      return;
    }
    Position now = joined.result().position();
    switch (joined.result().recovery()) {
      case NOT_ASKED -> position = now;
      case RECOVERED -> { }
      case NOT_RECOVERED -> {
        // History off: a client that missed nothing cannot be told apart by the room from one that did.
        if (!now.equals(position)) {
          position = now;
          recovered = Boolean.FALSE;
          end();
        }
      }
    }
  }

  /** Ends the poll and leaves the room; false when it had ended already. */
  private boolean leaveOnce() {
    if (ended) {
      return false;
    }
    ended = true;
    // Null while the hub's join is still answering: start() leaves once it has the membership.
    if (membership != null) {
      membership.leave();
    }
    return true;
  }

  private String render() {
    StringBuilder answer = new StringBuilder((int) Math.min(bytes, Integer.MAX_VALUE - 160) + 160)
        .append("{\"type\":\"poll\",\"room\":\"").append(room)
        .append("\",\"epoch\":").append(HistoryReply.json(position.epoch()))
        .append(",\"seq\":").append(position.seq());
    if (recovered != null) {
      answer.append(",\"recovered\":").append(recovered);
    }
    answer.append(",\"messages\":[");
    for (int i = 0; i < messages.size(); i++) {
      answer.append(i > 0 ? "," : "").append(messages.get(i));
    }
    return answer.append("]}").toString();
  }
}
