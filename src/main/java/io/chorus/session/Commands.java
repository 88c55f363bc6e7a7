package io.chorus.session;

import io.chorus.hub.CloseReason;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Joined;
import io.chorus.hub.Membership;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.chorus.security.RateLimiter;
import io.vertx.core.AsyncResult;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * chorus.v1 for one session: reads each text frame as a JSON command, carries it out, and answers it with exactly
 * one reply that echoes its {@code id}. Every failure is a reply with an error code, never silence; a client that
 * keeps sending frames that are not commands at all is closed like a flooder.
 */
final class Commands {

  /** An {@code id} is echoed in every reply: longer ones would let a client make the server write more than it read. */
  private static final int MAX_ID_LENGTH = 64;

  private final Session session;
  private final Sessions sessions;
  private final RateLimiter badCommands;
  private final Map<String, Membership> rooms = new HashMap<>();

  Commands(Session session, Sessions sessions) {
    this.session = session;
    this.sessions = sessions;
    this.badCommands = sessions.badCommandLimit().newLimiter();
  }

  /** The welcome, then the path's room as if the client had subscribed to it (the reply carries no id). */
  void start(String pathRoom) {
    JsonObject welcome = new JsonObject()
        .put("type", "welcome")
        .put("message", sessions.welcomeText())
        .put("protocol", Protocol.STRUCTURED.subprotocol())
        .put("client", sessions.newClientId());
    if (session.sendText(welcome.encode())) {
      session.flush();
    }
    if (pathRoom != null) {
      subscribe(null, pathRoom, null);
    }
  }

  void handle(byte[] payload, boolean binary) {
    if (binary) {
      bad(null, Command.OTHER, CommandOutcome.BAD_REQUEST, "chorus.v1 commands are JSON objects in text frames");
      return;
    }
    JsonObject command;
    try {
      command = new JsonObject(new String(payload, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException notAnObject) {
      bad(null, Command.OTHER, CommandOutcome.BAD_REQUEST, "a command is one JSON object");
      return;
    }
    Object id = command.getValue("id");
    if (id != null && !(id instanceof Number) && !(id instanceof String text && text.length() <= MAX_ID_LENGTH)) {
      bad(null, Command.OTHER, CommandOutcome.BAD_REQUEST,
          "id must be a number or a string of at most " + MAX_ID_LENGTH + " characters");
      return;
    }
    Command type = type(command.getValue("type"));
    if (type == Command.OTHER) {
      bad(id, type, command.getValue("type") instanceof String ? CommandOutcome.UNKNOWN_TYPE
          : CommandOutcome.BAD_REQUEST, "type must be subscribe, unsubscribe, publish or history");
      return;
    }
    if (!session.admitted()) {
      error(id, type, CommandOutcome.RATE_LIMITED, "over the rate limit of the connection");
      return;
    }
    try {
      String room = room(command);
      switch (type) {
        case SUBSCRIBE -> subscribe(id, room, position(command.getValue("since"), "since"));
        case UNSUBSCRIBE -> unsubscribe(id, room);
        case PUBLISH -> publish(id, room, command);
        case HISTORY -> history(id, room, command);
        case OTHER -> throw new IllegalStateException("handled above");
      }
    } catch (BadCommand bad) {
      error(id, type, bad.outcome, bad.getMessage());
    }
  }

  /** The session is closing: it leaves every room. */
  void leaveAll() {
    for (Membership membership : rooms.values()) {
      membership.leave();
    }
    rooms.clear();
  }

  /** The room's stream moved past messages this client will never get: it learns its new position. */
  void skipped(String room, Position position) {
    JsonObject gap = new JsonObject()
        .put("type", "gap")
        .put("room", room)
        .put("epoch", position.epoch())
        .put("seq", position.seq());
    if (session.sendText(gap.encode())) {
      session.flush();
    }
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
    if (!joining[0].ready().failed()) {
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
    ok(Command.UNSUBSCRIBE, reply(id, "unsubscribed", room));
  }

  private void publish(Object id, String room, JsonObject command) throws BadCommand {
    boolean hasData = command.containsKey("data");
    Object binary = command.getValue("binary");
    if (hasData == (binary != null)) {
      throw new BadCommand(CommandOutcome.BAD_REQUEST, "publish takes exactly one of data and binary");
    }
    Envelope incoming;
    if (binary != null) {
      if (!(binary instanceof String base64)) {
        throw new BadCommand(CommandOutcome.BAD_REQUEST, "binary must be a base64 string");
      }
      try {
        incoming = Envelope.incoming(room, Base64.getDecoder().decode(base64), Envelope.Kind.BINARY);
      } catch (IllegalArgumentException notBase64) {
        throw new BadCommand(CommandOutcome.BAD_REQUEST, "binary must be a base64 string");
      }
    } else if (command.getValue("data") instanceof String text) {
      incoming = Envelope.incoming(room, text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT);
    } else {
      byte[] json = Json.encode(command.getValue("data")).getBytes(StandardCharsets.UTF_8);
      incoming = Envelope.incoming(room, json, Envelope.Kind.JSON);
    }
    session.publish(incoming).onComplete(published -> {
      if (!session.isServing()) {
        return;
      }
      if (published.failed()) {
        error(id, Command.PUBLISH, CommandOutcome.UNAVAILABLE, "the message could not be sequenced; try again");
      } else {
        ok(Command.PUBLISH, reply(id, "ack", room).put("seq", published.result().seq()));
      }
    });
  }

  private void history(Object id, String room, JsonObject command) throws BadCommand {
    int historySize = sessions.historySize();
    if (historySize == 0) {
      throw new BadCommand(CommandOutcome.HISTORY_UNAVAILABLE, "history is off on this server");
    }
    Position since = position(command.getValue("since"), "since");
    Object limitValue = command.getValue("limit");
    int limit = historySize;
    if (limitValue != null) {
      if (!(limitValue instanceof Integer || limitValue instanceof Long)
          || ((Number) limitValue).longValue() < 1 || ((Number) limitValue).longValue() > historySize) {
        throw new BadCommand(CommandOutcome.BAD_REQUEST, "limit must be a whole number from 1 to " + historySize);
      }
      limit = ((Number) limitValue).intValue();
    }
    int newest = limit;
    session.onLoop(sessions.hub().history(room, 0, Integer.MAX_VALUE)).onComplete(read -> {
      if (!session.isServing()) {
        return;
      }
      if (read.failed()) {
        error(id, Command.HISTORY, CommandOutcome.UNAVAILABLE, "history cannot be read now; try again");
        return;
      }
      ok(Command.HISTORY, historyReply(id, room, read.result(), since, newest));
    });
  }

  private JsonObject historyReply(Object id, String room, History history, Position since, int limit) {
    Position now = history.position();
    long after = since != null && since.epoch().equals(now.epoch()) ? since.seq() : 0;
    List<Envelope> found = history.messages().stream().filter(m -> m.seq() > after).toList();
    List<Envelope> newest = found.subList(Math.max(0, found.size() - limit), found.size());
    // Newest first until the reply's budget is spent, so that one reply never backs up the connection by itself.
    long budget = sessions.maxReplyBytes();
    int first = newest.size();
    while (first > 0 && budget - newest.get(first - 1).payload().length * 2L >= 0) {
      budget -= newest.get(--first).payload().length * 2L;
    }
    JsonArray messages = new JsonArray();
    for (Envelope message : newest.subList(first, newest.size())) {
      JsonObject pushed = new JsonObject().put("type", "message").put("room", room).put("seq", message.seq());
      switch (message.kind()) {
        case TEXT -> pushed.put("data", new String(message.payload(), StandardCharsets.UTF_8));
        case JSON -> pushed.put("data", Json.decodeValue(new String(message.payload(), StandardCharsets.UTF_8)));
        case BINARY -> pushed.put("binary", Base64.getEncoder().encodeToString(message.payload()));
      }
      messages.add(pushed);
    }
    JsonObject reply = reply(id, "history", room).put("epoch", now.epoch()).put("seq", now.seq());
    if (first > 0) {
      reply.put("truncated", true);
    }
    return reply.put("messages", messages);
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

  /** An error that says the client does not speak the protocol: answered, and counted against its patience. */
  private void bad(Object id, Command command, CommandOutcome outcome, String message) {
    if (badCommands.admit(System.nanoTime()) != RateLimiter.Verdict.ACCEPT) {
      sessions.metrics().command(command, outcome);
      session.close(CloseReason.BAD_COMMANDS);
      return;
    }
    error(id, command, outcome, message);
  }

  private void send(JsonObject reply) {
    if (session.sendText(reply.encode())) {
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

  private static Command type(Object type) {
    if (type instanceof String name) {
      for (Command command : Command.values()) {
        if (command != Command.OTHER && command.label().equals(name)) {
          return command;
        }
      }
    }
    return Command.OTHER;
  }

  private static String room(JsonObject command) throws BadCommand {
    Object room = command.getValue("room");
    if (room == null) {
      throw new BadCommand(CommandOutcome.BAD_REQUEST, "room is missing");
    }
    if (!(room instanceof String name) || !RoomName.isValid(name)) {
      throw new BadCommand(CommandOutcome.INVALID_ROOM,
          "a room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    }
    return name;
  }

  /** A position as clients send it, {@code {"epoch":"…","seq":41}}; null when absent. */
  private static Position position(Object value, String field) throws BadCommand {
    if (value == null) {
      return null;
    }
    if (value instanceof JsonObject position && position.getValue("epoch") instanceof String epoch
        && (position.getValue("seq") instanceof Integer || position.getValue("seq") instanceof Long)
        && position.getLong("seq") >= 0) {
      return new Position(epoch, position.getLong("seq"));
    }
    throw new BadCommand(CommandOutcome.BAD_REQUEST,
        field + " must be an object with epoch (a string) and seq (a whole number >= 0)");
  }

  /** A command that cannot be carried out, and the error code that says why. */
  private static final class BadCommand extends Exception {

    private final CommandOutcome outcome;

    BadCommand(CommandOutcome outcome, String message) {
      super(message, null, false, false);
      this.outcome = outcome;
    }
  }
}
