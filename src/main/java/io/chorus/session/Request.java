package io.chorus.session;

import io.chorus.hub.Envelope;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** One chorus.v1 frame read as a command: its id and type, and its fields, each checked when asked for. */
final class Request {

  /** An {@code id} is echoed in every reply: longer ones would let a client make the server write more than it read. */
  private static final int MAX_ID_LENGTH = 64;

  private final Object id;
  private final Command type;
  private final JsonObject fields;

  private Request(Object id, Command type, JsonObject fields) {
    this.id = id;
    this.type = type;
    this.fields = fields;
  }

  /**
   * Reads a frame.
   *
   * @throws BadCommand when the frame is not a command at all: not a JSON object in a text frame, an invalid id, no
   *     known type
   */
  static Request read(byte[] payload, boolean binary) throws BadCommand {
    if (binary) {
      throw new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST,
          "chorus.v1 commands are JSON objects in text frames");
    }
    JsonObject fields;
    try {
      fields = new JsonObject(new String(payload, StandardCharsets.UTF_8));
    } catch (DecodeException | ClassCastException notAnObject) {
      throw new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST, "a command is one JSON object");
    }
    Object id = fields.getValue("id");
    if (id != null && !(id instanceof Number) && !(id instanceof String text && text.length() <= MAX_ID_LENGTH)) {
      throw new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST,
          "id must be a number or a string of at most " + MAX_ID_LENGTH + " characters");
    }
    Object type = fields.getValue("type");
    for (Command command : Command.values()) {
      if (command != Command.OTHER && command.label().equals(type)) {
        return new Request(id, command, fields);
      }
    }
    throw new BadCommand(id, Command.OTHER,
        type instanceof String ? CommandOutcome.UNKNOWN_TYPE : CommandOutcome.BAD_REQUEST,
        "type must be subscribe, unsubscribe, publish or history");
  }

  Object id() {
    return id;
  }

  Command type() {
    return type;
  }

  /** An error for this command, for the reply. */
  BadCommand bad(CommandOutcome outcome, String message) {
    return new BadCommand(id, type, outcome, message);
  }

  String room() throws BadCommand {
    Object room = fields.getValue("room");
    if (room == null) {
      throw bad(CommandOutcome.BAD_REQUEST, "room is missing");
    }
    if (!(room instanceof String name) || !RoomName.isValid(name)) {
      throw bad(CommandOutcome.INVALID_ROOM,
          "a room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    }
    return name;
  }

  /** The position the client comes back with, {@code "since":{"epoch":"…","seq":41}}; null when absent. */
  Position since() throws BadCommand {
    Object value = fields.getValue("since");
    if (value == null) {
      return null;
    }
    if (value instanceof JsonObject position && position.getValue("epoch") instanceof String epoch
        && isWholeNumber(position.getValue("seq")) && position.getLong("seq") >= 0) {
      return new Position(epoch, position.getLong("seq"));
    }
    throw bad(CommandOutcome.BAD_REQUEST, "since must be an object with epoch (a string) and seq (a whole number >= 0)");
  }

  /** {@code limit}, from 1 to {@code max}; {@code max} when absent. */
  int limit(int max) throws BadCommand {
    Object limit = fields.getValue("limit");
    if (limit == null) {
      return max;
    }
    if (!isWholeNumber(limit) || ((Number) limit).longValue() < 1 || ((Number) limit).longValue() > max) {
      throw bad(CommandOutcome.BAD_REQUEST, "limit must be a whole number from 1 to " + max);
    }
    return ((Number) limit).intValue();
  }

  /**
   * What a publish carries, as it enters the room: {@code data} that is a string as text (plain clients get the
   * bare string), other {@code data} as its compact JSON, {@code binary} as the bytes its base64 stands for.
   */
  Envelope publication(String room) throws BadCommand {
    boolean hasData = fields.containsKey("data");
    Object binary = fields.getValue("binary");
    if (hasData == (binary != null)) {
      throw bad(CommandOutcome.BAD_REQUEST, "publish takes exactly one of data and binary");
    }
    if (binary != null) {
      try {
        return Envelope.incoming(room, Base64.getDecoder().decode((String) binary), Envelope.Kind.BINARY);
      } catch (IllegalArgumentException | ClassCastException notBase64) {
        throw bad(CommandOutcome.BAD_REQUEST, "binary must be a base64 string");
      }
    }
    Object data = fields.getValue("data");
    if (data instanceof String text) {
      return Envelope.incoming(room, text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT);
    }
    return Envelope.incoming(room, Json.encode(data).getBytes(StandardCharsets.UTF_8), Envelope.Kind.JSON);
  }

  private static boolean isWholeNumber(Object value) {
    return value instanceof Integer || value instanceof Long;
  }
}
