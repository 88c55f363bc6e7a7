package chorus.load.chains;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.ws;

import chorus.load.ChatMessage;
import chorus.load.LoadParameters;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;

/**
 * The steps a Chorus client takes, as reusable Gatling chains. Each virtual user holds one
 * WebSocket. The request names in the report:
 * <ul>
 *   <li>{@code connect}: the handshake; {@code welcome} (a check): from the end of the handshake
 *       until the welcome frame arrives;</li>
 *   <li>{@code send message}: each frame written (Gatling logs them with a zero time);</li>
 *   <li>the name given to {@link #say} (such as {@code broadcast round trip}): from the user's own
 *       {@code sentAt} until the server broadcast the frame back to the same socket;</li>
 *   <li>{@code fan-out}: from another user's {@code sentAt} until this user received the frame;</li>
 *   <li>{@code room isolation}, {@code connection reopened}: always failures
 *       (see {@link DeliveryLedger}).</li>
 * </ul>
 */
public final class ChatChains {

  public static final String FAN_OUT = DeliveryLedger.FAN_OUT;

  /** Gatling logs every frame it writes as a request of zero duration; this is their name. */
  private static final String SEND = "send message";
  private static final String SOCKET = "chorus";
  private static final String ROOM = "room";
  private static final String SENDER = "sender";
  private static final String SEQ = "seq";
  private static final String LEDGER = "ledger";
  private static final String FRAME = "frame";
  /** How often a user that has stopped sending looks for its last messages. */
  private static final Duration ACCOUNTING_PERIOD = Duration.ofMillis(100);

  private final LoadParameters parameters;
  private final String roomPrefix;
  private final ReportRecorder recorder = new ReportRecorder();

  /**
   * @param roomPrefix prepended to the room numbers, unique per run, so that two runs against the
   *                   same server, or a stale client of an earlier run, never share a room
   */
  public ChatChains(LoadParameters parameters, String roomPrefix) {
    this.parameters = parameters;
    this.roomPrefix = roomPrefix;
  }

  /** Hooks the report recorder up; the first step of every scenario. */
  public ActionBuilder attachRecorder() {
    return recorder.attach();
  }

  /** Gives the user its identity and its room: users are dealt to the rooms round robin. */
  public ChainBuilder joinRoom() {
    return exec(session -> {
      long user = session.userId();
      String room = roomPrefix + "-" + (user % parameters.rooms());
      String sender = "u" + user;
      return session.set(ROOM, room).set(SENDER, sender).set(SEQ, 0L)
          .set(LEDGER, new DeliveryLedger(room, sender, parameters.timeout().toMillis()));
    });
  }

  /** Opens the socket to the user's room and waits for the welcome, for up to the timeout. */
  public ChainBuilder connect(String name, String welcomeCheck) {
    return connect(name, welcomeCheck, parameters.timeout());
  }

  /**
   * Opens the socket to the user's room and waits for the welcome, for up to {@code within}.
   * Gatling times the request {@code name} until the handshake completes, then {@code welcomeCheck}
   * until the welcome frame arrives; by then the server has put the user in its room.
   */
  public ChainBuilder connect(String name, String welcomeCheck, Duration within) {
    return exec(ws(name, SOCKET)
        .connect(session -> "/ws/" + session.getString(ROOM))
        .await(within)
        .on(ws.checkTextMessage(welcomeCheck).matching(substring("\"type\":\"welcome\""))));
  }

  /**
   * Sends one chat message; the {@link DeliveryLedger} records it as {@code name} when the server
   * broadcasts it back to this socket, timed from its {@code sentAt}.
   *
   * <p>Frames are watched through Gatling's buffer of unmatched frames, not with a WebSocket check:
   * while a check waits, Gatling drops every frame that does not match it, and every send empties
   * the buffer. So the frames received so far are accounted for right before each send, in one
   * uninterrupted run of steps on the user's event loop (which also reads its socket), and no frame
   * is lost in between.
   */
  public ChainBuilder say(String name) {
    return accountDeliveries()
        .exec(session -> nextFrame(session, name))
        .exec(ws(SEND, SOCKET).sendText(session -> session.getString(FRAME)));
  }

  /** Checks and records the frames received since the last call. */
  public ChainBuilder accountDeliveries() {
    return exec(ws.processUnmatchedMessages(SOCKET, (frames, session) -> {
      DeliveryLedger ledger = session.get(LEDGER);
      ledger.account(frames, session, recorder);
      return session;
    }));
  }

  /**
   * Waits until the user's own messages have come back, or have been failed by the timeout; the
   * last step before closing, so that no message of the run goes unaccounted.
   */
  public ChainBuilder awaitOwnMessages() {
    return accountDeliveries()
        .asLongAs(session -> session.<DeliveryLedger>get(LEDGER).awaitingOwnMessages()).on(
            pause(ACCOUNTING_PERIOD).exec(accountDeliveries()));
  }

  public ChainBuilder close() {
    return exec(ws("close", SOCKET).close());
  }

  private Session nextFrame(Session session, String name) {
    long seq = session.getLong(SEQ) + 1;
    ChatMessage message = new ChatMessage(session.getString(ROOM), session.getString(SENDER), seq,
        System.currentTimeMillis());
    session.<DeliveryLedger>get(LEDGER).sent(message, name);
    return session.set(SEQ, seq).set(FRAME, message.encode(parameters.messageBytes()));
  }
}
