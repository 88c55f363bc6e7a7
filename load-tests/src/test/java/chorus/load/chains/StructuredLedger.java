package chorus.load.chains;

import chorus.load.ChatMessage;
import chorus.load.StructuredFrame;
import io.gatling.http.action.ws.WsInboundMessage;
import io.gatling.javaapi.core.Session;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One chorus.v1 user's account of its frames, like {@link DeliveryLedger} for plain mode, plus what the
 * structured protocol promises:
 * <ul>
 *   <li>the room's {@code seq} grows by one from the position of the last {@code subscribed} reply; a
 *       jump, a number seen before, or a {@code gap} push is a failed {@value #ROOM_SEQUENCE} (a name
 *       that only ever fails, so one is enough to fail the run);</li>
 *   <li>each publish's {@code ack} is recorded as {@value #ACK}, timed from the send; one that has not
 *       come within the timeout fails. Acks still due when the user closes its socket are given up:
 *       they cannot arrive any more, and the message itself is still checked by its round trip;</li>
 *   <li>the reply to a subscribe or a resume is recorded under the command's name, timed from the send,
 *       and must come before any message of the room: a message ahead of it is a failed
 *       {@value #REPLY_ORDER} (the protocol promises the reply first, then the missed messages). A
 *       resume passes only with {@code "recovered":true};</li>
 *   <li>after a resume, the messages up to the {@code seq} of its reply are the ones the user missed
 *       while away: they are recorded as {@value #REPLAYED}, whether its own or another's, so that their
 *       wait does not count as fan-out or round-trip latency;</li>
 *   <li>an {@code error} reply is a failed {@value #COMMAND_ERROR}; room isolation, a second welcome,
 *       the round trip and fan-out in order per sender are checked as in plain mode.</li>
 * </ul>
 * The ledger belongs to one virtual user, whose steps Gatling runs one at a time, so it needs no locks.
 */
final class StructuredLedger {

  static final String ACK = "ack";
  static final String ROOM_SEQUENCE = "room sequence";
  static final String REPLAYED = "replayed";
  static final String COMMAND_ERROR = "command error";
  static final String REPLY_ORDER = "reply order";

  /** An own message on its way back, given up {@code timeoutMillis} after {@code since}. */
  private record Pending(String name, long sentAt, long since) {
  }

  /** A subscribe (or, with {@code resume}, a resume) whose reply has not come yet. */
  private record Awaited(String name, String id, long sentAt, long withinMillis, boolean resume) {
  }

  private final String room;
  private final String self;
  private final long timeoutMillis;
  private final Map<Long, Pending> ownBySeq = new LinkedHashMap<>();
  private final Map<String, Long> acksById = new LinkedHashMap<>();
  private final Map<String, Long> lastSeqBySender = new HashMap<>();
  private String epoch;
  /** The room's last sequence number this user has accounted for. */
  private long position = -1;
  /** Messages up to this number were missed while away and come again after a resume. */
  private long replayUpTo = -1;
  private Awaited awaited;
  private boolean replyFailed;

  StructuredLedger(String room, String self, long timeoutMillis) {
    this.room = room;
    this.self = self;
    this.timeoutMillis = timeoutMillis;
  }

  /** Subscribes to the room; its reply, recorded as {@code name}, is awaited for {@code withinMillis}. */
  String subscribeCommand(String name, String id, long withinMillis) {
    await(new Awaited(name, id, System.currentTimeMillis(), withinMillis, false));
    return "{\"id\":\"" + id + "\",\"type\":\"subscribe\",\"room\":" + StructuredFrame.quote(room) + "}";
  }

  /** Subscribes again from the last message accounted for; the reply must say it recovered. */
  String resumeCommand(String name, String id, long withinMillis) {
    await(new Awaited(name, id, System.currentTimeMillis(), withinMillis, true));
    return "{\"id\":\"" + id + "\",\"type\":\"subscribe\",\"room\":" + StructuredFrame.quote(room)
        + ",\"since\":{\"epoch\":" + StructuredFrame.quote(epoch) + ",\"seq\":" + position + "}}";
  }

  private void await(Awaited command) {
    awaited = command;
    replyFailed = false;
  }

  boolean awaitingReply() {
    return awaited != null;
  }

  /** The last subscribe or resume failed: an error, no reply in time, or not recovered. */
  boolean replyFailed() {
    return replyFailed;
  }

  /** Notes a publish about to be sent: its ack by {@code id}, its round trip as {@code name}. */
  void sent(ChatMessage message, String name, String id) {
    ownBySeq.put(message.seq(), new Pending(name, message.sentAt(), message.sentAt()));
    acksById.put(id, message.sentAt());
  }

  /** Whether own messages or acks are still on their way (and not yet given up). */
  boolean awaitingOwnMessages() {
    return !ownBySeq.isEmpty() || !acksById.isEmpty();
  }

  /** The socket is closing: acks still due would have come on it. */
  void socketClosed() {
    acksById.clear();
  }

  /** Records every frame in {@code frames}, then fails the own messages and acks older than the timeout. */
  void account(List<WsInboundMessage> frames, Session session, ReportRecorder recorder) {
    for (WsInboundMessage frame : frames) {
      if (frame instanceof WsInboundMessage.Text text) {
        account(StructuredFrame.parse(text.message()), text.timestamp(), session, recorder);
      }
    }
    expire(System.currentTimeMillis(), session, recorder);
  }

  private void account(StructuredFrame frame, long receivedAt, Session session, ReportRecorder recorder) {
    boolean reply = awaited != null && awaited.id().equals(frame.id());
    if (reply && frame.is("subscribed")) {
      replied(frame, receivedAt, session, recorder);
    } else if (reply && frame.is("error")) {
      recorder.ko(session, awaited.name(), receivedAt, "error " + frame.code());
      replyFailed = true;
      awaited = null;
    } else if (frame.is("message")) {
      boolean replayed = awaited != null ? awaited.resume() : frame.seq() <= replayUpTo;
      if (awaited != null) {
        recorder.ko(session, REPLY_ORDER, receivedAt, "a message came before the reply to " + awaited.name());
      }
      checkSequence(frame.seq(), receivedAt, session, recorder);
      ChatMessage message = frame.data() == null ? null : ChatMessage.parse(frame.data());
      if (message == null || !room.equals(frame.room()) || !room.equals(message.room())) {
        recorder.ko(session, DeliveryLedger.ROOM_ISOLATION, receivedAt, "a message for another room, or not a chat message");
      } else {
        message(message, replayed, receivedAt, session, recorder);
      }
    } else if (frame.is("ack")) {
      Long sentAt = frame.id() == null ? null : acksById.remove(frame.id());
      if (sentAt != null) {
        recorder.ok(session, ACK, sentAt, receivedAt);
      }
    } else if (frame.is("gap")) {
      recorder.ko(session, ROOM_SEQUENCE, receivedAt, "gap push");
      position = Math.max(position, frame.seq());
    } else if (frame.is("error")) {
      recorder.ko(session, COMMAND_ERROR, receivedAt, "error " + frame.code());
    } else if (frame.is("welcome")) {
      recorder.ko(session, DeliveryLedger.CONNECTION_REOPENED, receivedAt, "a second welcome arrived on the socket");
    }
  }

  /** The reply to the awaited subscribe or resume. */
  private void replied(StructuredFrame frame, long receivedAt, Session session, ReportRecorder recorder) {
    epoch = frame.epoch();
    if (awaited.resume()) {
      replayUpTo = frame.seq();
      // Own messages that were on their way at the close come back as replays now: the time away does not count.
      ownBySeq.replaceAll((seq, pending) -> new Pending(pending.name(), pending.sentAt(), receivedAt));
    } else {
      position = Math.max(position, frame.seq());
    }
    if (awaited.resume() && !frame.recovered()) {
      recorder.ko(session, awaited.name(), receivedAt, "recovered is not true");
      replyFailed = true;
    } else {
      recorder.ok(session, awaited.name(), awaited.sentAt(), receivedAt);
    }
    awaited = null;
  }

  private void checkSequence(long seq, long receivedAt, Session session, ReportRecorder recorder) {
    if (position < 0) {
      // Before the first subscribe reply there is nothing to compare with (already a failed reply order).
      position = seq;
      return;
    }
    if (seq > position + 1) {
      recorder.ko(session, ROOM_SEQUENCE, receivedAt, "seq skipped ahead without a gap push");
    } else if (seq <= position) {
      recorder.ko(session, ROOM_SEQUENCE, receivedAt, "seq received twice or out of order");
    }
    position = Math.max(position, seq);
  }

  private void message(ChatMessage message, boolean replayed, long receivedAt, Session session,
      ReportRecorder recorder) {
    if (message.sender().equals(self)) {
      Pending pending = ownBySeq.remove(message.seq());
      if (pending != null) {
        recorder.ok(session, replayed ? REPLAYED : pending.name(), message.sentAt(), receivedAt);
      }
      return;
    }
    Long last = lastSeqBySender.put(message.sender(), message.seq());
    if (last == null || message.seq() == last + 1) {
      recorder.ok(session, replayed ? REPLAYED : DeliveryLedger.FAN_OUT, message.sentAt(), receivedAt);
    } else {
      recorder.ko(session, DeliveryLedger.FAN_OUT, receivedAt, message.seq() > last
          ? "missed messages from a sender"
          : "message from a sender out of order");
    }
  }

  private void expire(long now, Session session, ReportRecorder recorder) {
    if (awaited != null && now - awaited.sentAt() > awaited.withinMillis()) {
      recorder.ko(session, awaited.name(), now, "no reply within " + awaited.withinMillis() + " ms");
      replyFailed = true;
      awaited = null;
    }
    if (awaited != null) {
      return; // a subscribe or resume in flight: own messages left on an old socket are due after its reply
    }
    Iterator<Pending> own = ownBySeq.values().iterator();
    while (own.hasNext()) {
      Pending message = own.next();
      if (now - message.since() <= timeoutMillis) {
        break; // kept in send order: the rest are younger
      }
      recorder.ko(session, message.name(), now, "own message not broadcast back within " + timeoutMillis + " ms");
      own.remove();
    }
    Iterator<Long> acks = acksById.values().iterator();
    while (acks.hasNext()) {
      if (now - acks.next() <= timeoutMillis) {
        break;
      }
      recorder.ko(session, ACK, now, "no ack within " + timeoutMillis + " ms");
      acks.remove();
    }
  }
}
