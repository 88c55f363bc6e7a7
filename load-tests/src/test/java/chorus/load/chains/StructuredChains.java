package chorus.load.chains;

import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.pause;
import static io.gatling.javaapi.core.CoreDsl.substring;
import static io.gatling.javaapi.http.HttpDsl.ws;

import chorus.load.ChatMessage;
import chorus.load.ConnectionTokens;
import chorus.load.LoadParameters;
import chorus.load.StructuredFrame;
import io.gatling.javaapi.core.ActionBuilder;
import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import java.time.Duration;
import java.util.function.Function;

/**
 * The steps of a chorus.v1 client, as reusable Gatling chains: connect offering the sub-protocol
 * (Gatling's {@code subprotocol(...)} sets {@code Sec-WebSocket-Protocol}), subscribe, publish chat
 * messages as commands with an id, close, and resume with {@code since}. Request names besides those of
 * {@link ChatChains} and {@link StructuredLedger}: {@code subscribe} and {@code resume}, the replies to
 * those commands, timed from the send (the sends themselves are {@code send subscribe},
 * {@code send resume} and {@code publish}, with a zero time); a resume passes only with
 * {@code "recovered":true}.
 *
 * <p>Every frame, command replies included, is read from Gatling's unmatched-frame buffer, for the same
 * reason as in {@link ChatChains#say} (see {@link #command}).
 */
public final class StructuredChains {

  private static final String SUBPROTOCOL = "chorus.v1";
  public static final String ACK = StructuredLedger.ACK;

  private static final String SEND = "publish";
  private static final String SOCKET = "chorus";
  private static final String ROOM = "room";
  private static final String SENDER = "sender";
  private static final String SEQ = "seq";
  private static final String LEDGER = "ledger";
  private static final String FRAME = "frame";
  private static final String PATH = "path";
  private static final Duration ACCOUNTING_PERIOD = Duration.ofMillis(100);
  /** How often a user waiting for a command's reply looks for it: the granularity of the reply's wait. */
  private static final Duration REPLY_POLL = Duration.ofMillis(10);

  private final LoadParameters parameters;
  private final String roomPrefix;
  private final ReportRecorder recorder = new ReportRecorder();
  private final ConnectionTokens tokens = ConnectionTokens.fromProperties();

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
      return session.set(ROOM, room).set(SENDER, sender).set(SEQ, 0L).set(PATH, tokens.path("/ws", sender))
          .set(LEDGER, new StructuredLedger(room, sender, parameters.timeout().toMillis()));
    });
  }

  /**
   * Opens a socket to {@code /ws} offering chorus.v1 (no room yet; with the user's token when
   * {@code -DjwtSecret} is set, see {@link ConnectionTokens}) and waits, for up to {@code within}, for the
   * welcome, which must name the protocol: a server that ignored the offer speaks plain mode.
   */
  public ChainBuilder connect(String name, String welcomeCheck, Duration within) {
    return exec(ws(name, SOCKET)
        .connect("#{" + PATH + "}")
        .subprotocol(SUBPROTOCOL)
        .await(within)
        .on(ws.checkTextMessage(welcomeCheck)
            .matching(substring("\"type\":\"welcome\""))
            .check(substring("\"protocol\":\"chorus.v1\""))));
  }

  /** Subscribes to the user's room and waits for the reply (the room's epoch and the position to start from). */
  public ChainBuilder subscribe(String name) {
    return command(name, session -> session.<StructuredLedger>get(LEDGER)
        .subscribeCommand(name, "s", parameters.timeout().toMillis()));
  }

  /**
   * Subscribes again with {@code since} = the last message accounted for, and waits up to {@code within}
   * for the reply, which must say {@code "recovered":true}.
   */
  public ChainBuilder resume(String name, Duration within) {
    return command(name, session -> session.<StructuredLedger>get(LEDGER)
        .resumeCommand(name, "r", within.toMillis()));
  }

  /**
   * Sends a subscribe command and reads frames until its reply has come or has been given up. The reply is
   * read from the unmatched-frame buffer, like every other frame, and not awaited with a check: a check drops
   * the frames that do not match while it waits, so a message sent ahead of the reply would vanish and look
   * like a gap. A failed reply marks the user failed, for {@code exitHereIfFailed}.
   */
  private ChainBuilder command(String name, Function<Session, String> text) {
    return exec(session -> session.set(FRAME, text.apply(session)))
        .exec(ws("send " + name, SOCKET).sendText(session -> session.getString(FRAME)))
        .exec(accountDeliveries())
        .asLongAs(session -> session.<StructuredLedger>get(LEDGER).awaitingReply()).on(
            pause(REPLY_POLL).exec(accountDeliveries()))
        .exec(session -> session.<StructuredLedger>get(LEDGER).replyFailed() ? session.markAsFailed() : session);
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
