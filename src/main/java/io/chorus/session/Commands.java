package io.chorus.session;

import io.chorus.hub.Attendance;
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
import java.util.Map;

/**
 * chorus.v1 for one session: reads each text frame as a JSON command, carries it out, and answers it with exactly
 * one reply that echoes its {@code id}. Every failure is a reply with an error code, never silence; a client that
 * keeps sending frames that are not commands at all is closed like a flooder.
 */
final class Commands {

  private final Session session;
  private final Sessions sessions;
  private final RateLimiter badCommands;
  private final Map<String, Membership> rooms = new HashMap<>();
  /** Gap pushes owed, by room; null when none is. */
  private Map<String, Position> owedGaps;

  Commands(Session session, Sessions sessions) {
    this.session = session;
    this.sessions = sessions;
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
        .put("client", session.id());
    if (session.sendText(welcome.encode())) {
      session.flush();
    }
    rooms.forEach((room, since) -> subscribe(null, room, since));
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
      error(id, request.type(), CommandOutcome.RATE_LIMITED, "over the rate limit of the connection");
      return;
    }
    try {
      String room = request.room();
      switch (request.type()) {
        case SUBSCRIBE -> subscribe(id, room, request.since());
        case UNSUBSCRIBE -> unsubscribe(id, room);
        case PUBLISH -> publish(id, request.publication(room));
        case HISTORY -> history(request, room);
        case PRESENCE, PRESENCE_STATS -> presence(id, request.type(), room);
        case OTHER -> throw new IllegalStateException("Request.read reads no other type");
      }
    } catch (BadCommand bad) {
      if (bad.outcome() == CommandOutcome.BAD_REQUEST) {
        bad(bad);
      } else {
        error(id, bad.type(), bad.outcome(), bad.getMessage());
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

  private void subscribe(Object id, String room, Position since) {
    if (rooms.containsKey(room)) {
      error(id, Command.SUBSCRIBE, CommandOutcome.ALREADY_SUBSCRIBED, "already subscribed to " + room);
      return;
    }
    if (rooms.size() >= sessions.maxRoomsPerConnection()) {
      error(id, Command.SUBSCRIBE, CommandOutcome.TOO_MANY_ROOMS,
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
        error(id, Command.SUBSCRIBE, CommandOutcome.UNAVAILABLE, "the room cannot be joined now; try again");
      } else {
        error(id, Command.SUBSCRIBE, CommandOutcome.UNSUBSCRIBED, "unsubscribed before the subscription was ready");
      }
      return;
    }
    session.attended(room);
    Joined result = joined.result();
    JsonObject reply = reply(id, "subscribed", room)
        .put("epoch", result.position().epoch())
        .put("seq", result.position().seq());
    if (result.recovery() != Joined.Recovery.NOT_ASKED) {
      boolean recovered = result.recovery() == Joined.Recovery.RECOVERED;
      reply.put("recovered", recovered);
      sessions.metrics().resumed(recovered);
    }
    ok(Command.SUBSCRIBE, reply);
  }

  private void unsubscribe(Object id, String room) {
    Membership membership = rooms.remove(room);
    if (membership == null) {
      error(id, Command.UNSUBSCRIBE, CommandOutcome.NOT_SUBSCRIBED, "not subscribed to " + room);
      return;
    }
    membership.leave();
    session.departed(room);
    ok(Command.UNSUBSCRIBE, reply(id, "unsubscribed", room));
  }

  private void publish(Object id, Envelope incoming) {
    session.publish(incoming).onComplete(published -> {
      if (!session.isServing()) {
        return;
      }
      if (published.failed()) {
        error(id, Command.PUBLISH, CommandOutcome.UNAVAILABLE, "the message could not be sequenced; try again");
      } else {
        ok(Command.PUBLISH, reply(id, "ack", incoming.room()).put("seq", published.result().seq()));
      }
    });
  }

  private void history(Request request, String room) throws BadCommand {
    int historySize = sessions.historySize();
    if (historySize == 0) {
      throw request.bad(CommandOutcome.HISTORY_UNAVAILABLE, "history is off on this server");
    }
    Position since = request.since();
    int limit = request.limit(historySize);
    session.onLoop(session.hub().history(room, 0, Integer.MAX_VALUE)).onComplete(read -> {
      if (!session.isServing()) {
        return;
      }
      if (read.failed()) {
        error(request.id(), Command.HISTORY, CommandOutcome.UNAVAILABLE, "history cannot be read now; try again");
        return;
      }
      sessions.metrics().command(Command.HISTORY, CommandOutcome.OK);
      send(HistoryReply.render(request.id(), room, read.result(), since, limit, sessions.maxReplyBytes()));
    });
  }

  /**
   * Who is in the room ({@code presence}) or how many ({@code presence_stats}): shown to the room's subscribers, as
   * its messages are.
   */
  private void presence(Object id, Command command, String room) {
    if (!rooms.containsKey(room)) {
      error(id, command, CommandOutcome.NOT_SUBSCRIBED, "presence is shown to the room's subscribers: subscribe to "
          + room + " first");
      return;
    }
    session.onLoop(sessions.presence().attendance(room)).onComplete(read -> {
      if (!session.isServing()) {
        return;
      }
      if (read.failed()) {
        error(id, command, CommandOutcome.UNAVAILABLE, "presence cannot be read now; try again");
        return;
      }
      Attendance attendance = read.result();
      JsonObject reply = reply(id, command.label(), room);
      if (command == Command.PRESENCE) {
        PresenceReply.list(attendance, reply, sessions.maxReplyBytes());
      } else {
        reply.put("connections", attendance.connections()).put("users", attendance.users());
      }
      ok(command, reply);
    });
  }

  private void ok(Command command, JsonObject reply) {
    sessions.metrics().command(command, CommandOutcome.OK);
    send(reply);
  }

  private void error(Object id, Command command, CommandOutcome outcome, String message) {
    sessions.metrics().command(command, outcome);
    JsonObject reply = new JsonObject();
    if (id != null) {
      reply.put("id", id);
    }
    send(reply.put("type", "error").put("code", outcome.label()).put("message", message));
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
    error(notACommand.id(), notACommand.type(), notACommand.outcome(), notACommand.getMessage());
  }

  private void send(JsonObject reply) {
    send(reply.encode());
  }

  private void send(String reply) {
    if (session.sendText(reply)) {
      session.flush();
    }
  }

  private static JsonObject reply(Object id, String type, String room) {
    JsonObject reply = new JsonObject();
    if (id != null) {
      reply.put("id", id);
    }
    return reply.put("type", type).put("room", room);
  }
}
