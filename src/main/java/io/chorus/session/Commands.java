package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Envelope;
import io.chorus.hub.Joined;
import io.chorus.hub.Membership;
import io.chorus.hub.Position;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.chorus.security.RateLimiter;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.JsonObject;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * chorus.v1 for one session: reads each text frame as a JSON command, carries it out, and answers it with exactly
 * one reply that echoes its {@code id}. Every failure is a reply with an error code, never silence; a client that
 * keeps sending frames that are not commands at all is closed like a flooder.
 */
final class Commands {

  private final Session session;
  private final Sessions sessions;
  private final Replies replies;
  private final TokenCommands tokens;
  private final Queries queries;
  private final RateLimiter badCommands;
  private final Map<String, Membership> rooms = new HashMap<>();
  /** Gap pushes owed, by room; null when none is. */
  private Map<String, Position> owedGaps;
  /** The rooms at start, held until a connect brings the token that decides them; null once subscribed. */
  private Map<String, Position> startRooms;
  /** Whether a command other than connect came: connect must come first. */
  private boolean commanded;

  Commands(Session session, Sessions sessions) {
    this.session = session;
    this.sessions = sessions;
    this.replies = new Replies(session, sessions.metrics());
    this.tokens = new TokenCommands(session, sessions, replies);
    this.queries = new Queries(session, sessions, replies);
    this.badCommands = sessions.badCommandLimit().newLimiter();
  }

  /**
   * The welcome, then each of {@code rooms} as if the client had subscribed to it, fresh or from the position it
   * maps to (the replies carry no id).
   */
  void start(Map<String, Position> rooms) {
    JsonObject welcome = new JsonObject()
        .put("type", "welcome")
        .put("message", sessions.welcomeText())
        .put("protocol", Protocol.STRUCTURED.subprotocol())
        .put("client", session.id())
        .put("max_message_size", sessions.maxMessageSize());
    Grant grant = session.grant();
    if (grant != null && grant.authenticated()) {
      // A token given with the request (an SSE stream has no other way) is answered here, as a connect would be.
      welcome.put("user", grant.identity().user());
      if (grant.identity().info() != null) {
        welcome.put("info", grant.identity().info());
      }
    }
    if (session.sendText(welcome.encode())) {
      session.flush();
    }
    if (session.grant() == null) {
      startRooms = rooms;
    } else {
      rooms.forEach((room, since) -> subscribe(null, room, since));
    }
  }

  /** Asks the client for a fresh token: {@code {"type":"refresh","expires_in":<seconds>}}. */
  void askRefresh(long millisLeft) {
    tokens.askRefresh(millisLeft);
  }

  void handle(byte[] payload, boolean binary) {
    Request request;
    try {
      request = Request.read(payload, binary);
    } catch (BadCommand notACommand) {
      bad(notACommand);
      return;
    }
    Object id = request.id();
    if (!session.admitted()) {
      replies.error(id, request.type(), CommandOutcome.RATE_LIMITED, "over the rate limit of the connection");
      return;
    }
    try {
      if (request.type() == Command.CONNECT) {
        if (commanded || (session.grant() != null && session.grant().authenticated())) {
          throw request.bad(CommandOutcome.BAD_REQUEST,
              "connect comes first, once, on a connection opened without a token; use refresh to replace a token");
        }
        commanded = true;
        tokens.connect(request, this::subscribeStartRooms);
        return;
      } else if (request.type() == Command.REFRESH) {
        tokens.refresh(request, this::revokeForbiddenRooms);
        return;
      }
      if (session.grant() == null) {
        throw request.bad(CommandOutcome.UNAUTHORIZED, "send {\"type\":\"connect\",\"token\":…} first");
      }
      commanded = true;
      String room = request.room();
      switch (request.type()) {
        case SUBSCRIBE -> subscribe(id, room, request.since());
        case UNSUBSCRIBE -> unsubscribe(id, room);
        case PUBLISH -> publish(id, permittedPublication(request, room));
        case HISTORY -> queries.history(request, permittedRoom(request, room));
        case PRESENCE, PRESENCE_STATS -> queries.presence(id, request.type(), room, rooms.containsKey(room));
        case CONNECT, REFRESH, OTHER -> throw new IllegalStateException("handled above, or never read");
      }
    } catch (BadCommand bad) {
      if (bad.outcome() == CommandOutcome.BAD_REQUEST) {
        bad(bad);
      } else {
        replies.error(id, bad.type(), bad.outcome(), bad.getMessage());
      }
    }
  }

  /** The session is closing: it leaves every room. */
  void leaveAll() {
    for (Membership membership : rooms.values()) {
      membership.leave();
      session.departed(membership.room());
    }
    rooms.clear();
  }

  /**
   * The client will never get some of the room's messages up to {@code position}: its stream moved past them, or
   * they were skipped for it (its output was full under the drop policy, or the node out of direct memory). It is
   * told with a {@code gap} push right before the room's next message, so that it never sees a hole unannounced.
   */
  void skipped(String room, Position position) {
    if (owedGaps == null) {
      owedGaps = new HashMap<>(2);
    }
    owedGaps.put(room, position);
  }

  /** Writes the gap push owed for the message's room, if any; false when the transport could not take it. */
  boolean tellGap(String room) {
    if (owedGaps == null) {
      return true;
    }
    Position position = owedGaps.remove(room);
    if (owedGaps.isEmpty()) {
      owedGaps = null;
    }
    if (position == null) {
      return true;
    }
    JsonObject gap = new JsonObject()
        .put("type", "gap")
        .put("room", room)
        .put("epoch", position.epoch())
        .put("seq", position.seq());
    if (session.sendText(gap.encode())) {
      return true;
    }
    skipped(room, position);
    return false;
  }

  /** The rooms held at start, now that a connect brought the grant that decides them. */
  private void subscribeStartRooms() {
    if (startRooms != null) {
      Map<String, Position> held = startRooms;
      startRooms = null;
      held.forEach((room, since) -> subscribe(null, room, since));
    }
  }

  /**
   * Leaves every room a refreshed grant no longer lets the client subscribe to, each told with a
   * {@code {"type":"unsubscribed","room":…,"reason":"forbidden"}} push. A subscribe still being answered gets its
   * {@code unsubscribed} error as when the client unsubscribes early, and the push as well.
   */
  private void revokeForbiddenRooms() {
    List<String> revoked = rooms.keySet().stream()
        .filter(room -> !session.grant().permissions().maySubscribe(room))
        .toList();
    for (String room : revoked) {
      rooms.remove(room).leave();
      session.departed(room);
      replies.send(Replies.reply(null, "unsubscribed", room).put("reason", CommandOutcome.FORBIDDEN.label()));
    }
  }

  private Envelope permittedPublication(Request request, String room) throws BadCommand {
    if (!session.grant().permissions().mayPublish(room)) {
      throw request.bad(CommandOutcome.FORBIDDEN, "the token does not allow publishing in " + room);
    }
    return request.publication(room);
  }

  private String permittedRoom(Request request, String room) throws BadCommand {
    if (!session.grant().permissions().maySubscribe(room)) {
      throw request.bad(CommandOutcome.FORBIDDEN, "the token does not allow reading " + room);
    }
    return room;
  }

  private void subscribe(Object id, String room, Position since) {
    if (!session.grant().permissions().maySubscribe(room)) {
      replies.error(id, Command.SUBSCRIBE, CommandOutcome.FORBIDDEN, "the token does not allow subscribing to " + room);
      return;
    }
    if (rooms.containsKey(room)) {
      replies.error(id, Command.SUBSCRIBE, CommandOutcome.ALREADY_SUBSCRIBED, "already subscribed to " + room);
      return;
    }
    if (rooms.size() >= sessions.maxRoomsPerConnection()) {
      replies.error(id, Command.SUBSCRIBE, CommandOutcome.TOO_MANY_ROOMS,
          "at most " + sessions.maxRoomsPerConnection() + " rooms per connection");
      return;
    }
    // The membership, for the callback: it may run before join returns, with nothing to forget yet.
    Membership[] joining = new Membership[1];
    joining[0] = session.hub().join(room, session, since, joined -> subscribed(id, room, joining[0], joined));
    if (!joining[0].hasFailed()) {
      rooms.put(room, joining[0]);
    }
  }

  /** Answers a subscribe, before any message of the room reaches the client. */
  private void subscribed(Object id, String room, Membership membership, AsyncResult<Joined> joined) {
    if (!session.isServing()) {
      return;
    }
    if (joined.failed()) {
      boolean stillWanted = membership == null || rooms.remove(room, membership);
      if (stillWanted) {
        replies.error(id, Command.SUBSCRIBE, CommandOutcome.UNAVAILABLE, "the room cannot be joined now; try again");
      } else {
        replies.error(id, Command.SUBSCRIBE, CommandOutcome.UNSUBSCRIBED,
            "unsubscribed before the subscription was ready");
      }
      return;
    }
    session.attended(room);
    Joined result = joined.result();
    JsonObject reply = Replies.reply(id, "subscribed", room)
        .put("epoch", result.position().epoch())
        .put("seq", result.position().seq());
    if (result.recovery() != Joined.Recovery.NOT_ASKED) {
      boolean recovered = result.recovery() == Joined.Recovery.RECOVERED;
      reply.put("recovered", recovered);
      sessions.metrics().resumed(recovered);
    }
    replies.ok(Command.SUBSCRIBE, reply);
  }

  private void unsubscribe(Object id, String room) {
    Membership membership = rooms.remove(room);
    if (membership == null) {
      replies.error(id, Command.UNSUBSCRIBE, CommandOutcome.NOT_SUBSCRIBED, "not subscribed to " + room);
      return;
    }
    membership.leave();
    session.departed(room);
    replies.ok(Command.UNSUBSCRIBE, Replies.reply(id, "unsubscribed", room));
  }

  private void publish(Object id, Envelope incoming) {
    session.publish(incoming).onComplete(published -> {
      if (!session.isServing()) {
        return;
      }
      if (published.failed()) {
        replies.error(id, Command.PUBLISH, CommandOutcome.UNAVAILABLE, "the message could not be sequenced; try again");
      } else {
        replies.ok(Command.PUBLISH, Replies.reply(id, "ack", incoming.room()).put("seq", published.result().seq()));
      }
    });
  }

  /**
   * A frame that says the client does not speak the protocol (not a command, or a command with a missing or
   * malformed field): answered, and counted against its patience.
   */
  private void bad(BadCommand notACommand) {
    if (badCommands.admit(System.nanoTime()) != RateLimiter.Verdict.ACCEPT) {
      sessions.metrics().command(notACommand.type(), notACommand.outcome());
      session.close(CloseReason.BAD_COMMANDS);
      return;
    }
    replies.error(notACommand.id(), notACommand.type(), notACommand.outcome(), notACommand.getMessage());
  }
}
