package chorus.load.chains;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.ws;

import chorus.load.ChatMessage;
import chorus.load.LoadParameters;
import chorus.load.StructuredFrame;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;

/**
 * The steps of a chorus.v1 client, as reusable Gatling chains: connect offering the sub-protocol
 * (Gatling's {@code subprotocol(...)} sets {@code Sec-WebSocket-Protocol}), subscribe, publish chat
 * messages as commands with an id, close, and resume with {@code since}. Request names besides those of
 * {@link ChatChains} and {@link StructuredLedger}: {@code subscribe} and {@code resume}, the replies to
 * those commands (Gatling times them from the send; the sends themselves are {@code send subscribe},
 * {@code send resume} and {@code publish}, with a zero time); a resume passes only with
 * {@code "recovered":true}.
 *
 * <p>Frames other than command replies are read from Gatling's unmatched-frame buffer right before each
 * send, for the same reason as in {@link ChatChains#say}; the subscribe and resume replies are awaited
 * with a check, which is safe because the room sends this user nothing before them.
 */
public final class StructuredChains {

  public static final String SUBPROTOCOL = "chorus.v1";
  public static final String ACK = StructuredLedger.ACK;
  public static final String ROOM_SEQUENCE = StructuredLedger.ROOM_SEQUENCE;

  private static final String SEND = "publish";
  private static final String SOCKET = "chorus";
  private static final String ROOM = "room";
  private static final String SENDER = "sender";
  private static final String SEQ = "seq";
  private static final String LEDGER = "ledger";
  private static final String FRAME = "frame";
  private static final String EPOCH = "epoch";
  private static final String REPLY_SEQ = "replySeq";
  private static final String SUBSCRIBED = "\"type\":\"subscribed\"";
  private static final Duration ACCOUNTING_PERIOD = Duration.ofMillis(100);

  private final LoadParameters parameters;
  private final String roomPrefix;
  private final ReportRecorder recorder = new ReportRecorder();

  /** @param roomPrefix prepended to the room numbers, unique per run (see {@link ChatChains}) */
  public StructuredChains(LoadParameters parameters, String roomPrefix) {
    this.parameters = parameters;
    this.roomPrefix = roomPrefix;
  }

  public ActionBuilder attachRecorder() {
    return recorder.attach();
  }

  /** Gives the user its identity and its room, round robin. */
  public ChainBuilder joinRoom() {
    return exec(session -> {
      long user = session.userId();
      String room = roomPrefix + "-" + (user % parameters.rooms());
      String sender = "u" + user;
      return session.set(ROOM, room).set(SENDER, sender).set(SEQ, 0L)
          .set(LEDGER, new StructuredLedger(room, sender, parameters.timeout().toMillis()));
    });
  }

  /**
   * Opens a socket to {@code /ws} offering chorus.v1 (no room yet) and waits, for up to {@code within},
   * for the welcome, which must name the protocol: a server that ignored the offer speaks plain mode.
   */
  public ChainBuilder connect(String name, String welcomeCheck, Duration within) {
    return exec(ws(name, SOCKET)
        .connect("/ws")
        .subprotocol(SUBPROTOCOL)
        .await(within)
        .on(ws.checkTextMessage(welcomeCheck)
            .matching(substring("\"type\":\"welcome\""))
            .check(substring("\"protocol\":\"chorus.v1\""))));
  }

  /** Subscribes to the user's room; the reply gives the room's epoch and the position to start from. */
  public ChainBuilder subscribe(String name) {
    return exec(ws("send " + name, SOCKET)
        .sendText(session -> "{\"id\":\"s\",\"type\":\"subscribe\",\"room\":"
            + StructuredFrame.quote(session.getString(ROOM)) + "}")
        .await(parameters.timeout())
        .on(ws.checkTextMessage(name)
            .matching(substring(SUBSCRIBED))
            .check(jsonPath("$.epoch").saveAs(EPOCH), jsonPath("$.seq").ofLong().saveAs(REPLY_SEQ))));
  }

  /** After a successful {@link #subscribe}: the ledger starts at the reply's position. */
  public ChainBuilder startAtSubscription() {
    return exec(session -> {
      session.<StructuredLedger>get(LEDGER).subscribed(session.getString(EPOCH), session.getLong(REPLY_SEQ));
      return session;
    });
  }

  /**
   * Subscribes again with {@code since} = the last message accounted for, and waits up to {@code within}
   * for the reply, which must say {@code "recovered":true}.
   */
  public ChainBuilder resume(String name, Duration within) {
    return exec(ws("send " + name, SOCKET)
        .sendText(session -> session.<StructuredLedger>get(LEDGER).resumeCommand("r"))
        .await(within)
        .on(ws.checkTextMessage(name)
            .matching(substring(SUBSCRIBED))
            .check(jsonPath("$.recovered").ofBoolean().is(true), jsonPath("$.seq").ofLong().saveAs(REPLY_SEQ))));
  }

  /** After a successful {@link #resume}: the messages up to the reply's position are replays. */
  public ChainBuilder replayUpToResume() {
    return exec(session -> {
      session.<StructuredLedger>get(LEDGER).resumed(session.getLong(REPLY_SEQ));
      return session;
    });
  }

  /**
   * Publishes one chat message with id {@code p<seq>}: its ack is recorded as {@code ack}, its coming back
   * to this socket as {@code name}. The frames received so far are accounted for first.
   */
  public ChainBuilder publish(String name) {
    return accountDeliveries()
        .exec(session -> nextFrame(session, name))
        .exec(ws(SEND, SOCKET).sendText(session -> session.getString(FRAME)));
  }

  public ChainBuilder accountDeliveries() {
    return exec(ws.processUnmatchedMessages(SOCKET, (frames, session) -> {
      session.<StructuredLedger>get(LEDGER).account(frames, session, recorder);
      return session;
    }));
  }

  /** Waits until own messages and acks have come, or have been failed by the timeout. */
  public ChainBuilder awaitOwnMessages() {
    return accountDeliveries()
        .asLongAs(session -> session.<StructuredLedger>get(LEDGER).awaitingOwnMessages()).on(
            pause(ACCOUNTING_PERIOD).exec(accountDeliveries()));
  }

  public ChainBuilder close() {
    return exec(session -> {
      session.<StructuredLedger>get(LEDGER).socketClosed();
      return session;
    }).exec(ws("close", SOCKET).close());
  }

  private Session nextFrame(Session session, String name) {
    long seq = session.getLong(SEQ) + 1;
    String room = session.getString(ROOM);
    ChatMessage message = new ChatMessage(room, session.getString(SENDER), seq, System.currentTimeMillis());
    String id = "p" + seq;
    session.<StructuredLedger>get(LEDGER).sent(message, name, id);
    String frame = "{\"id\":\"" + id + "\",\"type\":\"publish\",\"room\":" + StructuredFrame.quote(room)
        + ",\"data\":" + message.encode(parameters.messageBytes()) + "}";
    return session.set(SEQ, seq).set(FRAME, frame);
  }
}
