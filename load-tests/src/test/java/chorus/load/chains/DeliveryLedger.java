package chorus.load.chains;

import chorus.load.ChatMessage;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.Session;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One user's account of every frame its socket received, timed from the {@code sentAt} in the
 * payload and recorded into the report through {@link ReportRecorder}:
 * <ul>
 *   <li>its own message coming back is recorded under the name it was sent with (the broadcast
 *       round trip); one that has not come back within the timeout is a failure of that name;</li>
 *   <li>another user's message is recorded as {@code fan-out}. The first message the user sees from
 *       a sender sets that sender's baseline (others were talking before it joined); from then on
 *       each must follow the previous one, so a skipped number is a failed {@code fan-out}: the
 *       server dropped messages for this receiver;</li>
 *   <li>a message for another room is a failed {@code room isolation};</li>
 *   <li>a welcome frame is a failed {@code connection reopened}: the first welcome is consumed by
 *       the connect check, so another one means the client silently opened a new socket.</li>
 * </ul>
 * The ledger belongs to one virtual user, whose steps Gatling runs one at a time, so it needs no locks.
 */
final class DeliveryLedger {

  static final String FAN_OUT = "fan-out";
  static final String ROOM_ISOLATION = "room isolation";
  static final String CONNECTION_REOPENED = "connection reopened";

  private static final String WELCOME = "\"type\":\"welcome\"";

  private record Pending(String name, long sentAt) {
  }

  private final String room;
  private final String self;
  private final long timeoutMillis;
  private final Map<Long, Pending> pendingBySeq = new LinkedHashMap<>();
  private final Map<String, Long> lastSeqBySender = new HashMap<>();

  DeliveryLedger(String room, String self, long timeoutMillis) {
    this.room = room;
    this.self = self;
    this.timeoutMillis = timeoutMillis;
  }

  /** Notes an own message about to be sent, to be recorded as {@code name} when it comes back. */
  void sent(ChatMessage message, String name) {
    pendingBySeq.put(message.seq(), new Pending(name, message.sentAt()));
  }

  /** Whether own messages are still on their way back (and not yet given up). */
  boolean awaitingOwnMessages() {
    return !pendingBySeq.isEmpty();
  }

  /** Records every frame in {@code frames}, then fails the own messages older than the timeout. */
  void account(List<WsInboundMessage> frames, Session session, ReportRecorder recorder) {
    for (WsInboundMessage frame : frames) {
      if (frame instanceof WsInboundMessage.Text text) {
        account(text.message(), text.timestamp(), session, recorder);
      }
    }
    expire(System.currentTimeMillis(), session, recorder);
  }

  private void account(String frame, long receivedAt, Session session, ReportRecorder recorder) {
    ChatMessage message = ChatMessage.parse(frame);
    if (message == null) {
      if (frame.contains(WELCOME)) {
        recorder.ko(session, CONNECTION_REOPENED, receivedAt, "a second welcome arrived on the socket");
      }
      return;
    }
    if (!message.room().equals(room)) {
      recorder.ko(session, ROOM_ISOLATION, receivedAt, "a frame sent to another room arrived");
    } else if (message.sender().equals(self)) {
      Pending pending = pendingBySeq.remove(message.seq());
      if (pending != null) {
        recorder.ok(session, pending.name(), message.sentAt(), receivedAt);
      }
    } else {
      Long last = lastSeqBySender.put(message.sender(), message.seq());
      if (last == null || message.seq() == last + 1) {
        recorder.ok(session, FAN_OUT, message.sentAt(), receivedAt);
      } else {
        recorder.ko(session, FAN_OUT, receivedAt, message.seq() > last
            ? "missed messages from a sender"
            : "message from a sender out of order");
      }
    }
  }

  private void expire(long now, Session session, ReportRecorder recorder) {
    Iterator<Pending> pending = pendingBySeq.values().iterator();
    while (pending.hasNext()) {
      Pending message = pending.next();
      if (now - message.sentAt() <= timeoutMillis) {
        return; // kept in send order: the rest are younger
      }
      recorder.ko(session, message.name(), now,
          "own message not broadcast back within " + timeoutMillis + " ms");
      pending.remove();
    }
  }
}
