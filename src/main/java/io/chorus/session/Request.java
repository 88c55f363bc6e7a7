package io.chorus.session;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.chorus.hub.Envelope;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.metrics.Command;
import io.chorus.metrics.CommandOutcome;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * One chorus.v1 frame read as a command: its id and type, and its fields, each checked when asked for. The frame
 * is read once, with Jackson's streaming parser, as strict JSON (no comments, no NaN, no duplicate keys, nesting
 * bounded); {@code data} is kept as the bytes the client sent, so that every client receives exactly that JSON
 * text and no number or string is rewritten on the way.
 */
final class Request {

  /** An {@code id} is echoed in every reply: longer ones would let a client make the server write more than it read. */
  private static final int MAX_ID_LENGTH = 64;
  /**
   * How deep a command may nest, {@code data} included. Every receiver's JSON parser must read the message with two
   * more levels around it (the push, the history reply), and some stop at 1,000; real payloads stay far below 100.
   */
  static final int MAX_DEPTH = 100;
  static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
      .build();

  /** A top-level field as the client wrote it: its kind, its bytes in the frame, and its text for scalars. */
  private record Field(JsonToken kind, int start, int end, String text) {
  }

  private final byte[] payload;
  private final Map<String, Field> fields;
  private final Object id;
  private final Command type;

  private Request(byte[] payload, Map<String, Field> fields, Object id, Command type) {
    this.payload = payload;
    this.fields = fields;
    this.id = id;
    this.type = type;
  }

  /**
   * Reads a frame.
   *
   * @throws BadCommand when the frame is not a command at all: not one JSON object in a text frame, an invalid id,
   *     no known type
   */
  static Request read(byte[] payload, boolean binary) throws BadCommand {
    if (binary) {
      throw new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST,
          "chorus.v1 commands are JSON objects in text frames");
    }
    Map<String, Field> fields = new HashMap<>();
    try (JsonParser parser = STRICT.createParser(payload)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        throw notJson("a command is one JSON object");
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken kind = parser.nextToken();
        int start = (int) parser.currentTokenLocation().getByteOffset();
        String text = kind.isScalarValue() ? parser.getText() : null;
        parser.skipChildren();
        fields.put(name, new Field(kind, start, (int) parser.currentLocation().getByteOffset(), text));
      }
      if (parser.nextToken() != null) {
        throw notJson("a command is one JSON object, with nothing after it");
      }
    } catch (IOException notJson) {
      throw notJson("a command is one JSON object of at most " + MAX_DEPTH + " levels: " + firstLine(notJson));
    }
    Object id = id(fields.get("id"));
    Field type = fields.get("type");
    for (Command command : Command.values()) {
      if (command != Command.OTHER && type != null && type.kind() == JsonToken.VALUE_STRING
          && command.label().equals(type.text())) {
        return new Request(payload, fields, id, command);
      }
    }
    throw new BadCommand(id, Command.OTHER,
        type != null && type.kind() == JsonToken.VALUE_STRING ? CommandOutcome.UNKNOWN_TYPE
            : CommandOutcome.BAD_REQUEST,
        "type must be connect, refresh, subscribe, unsubscribe, publish, history, presence or presence_stats");
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
    Field room = fields.get("room");
    if (room == null) {
      throw bad(CommandOutcome.BAD_REQUEST, "room is missing");
    }
    if (room.kind() != JsonToken.VALUE_STRING || !RoomName.isValid(room.text())) {
      throw bad(CommandOutcome.INVALID_ROOM,
          "a room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    }
    return room.text();
  }

  /**
   * The token of a connect or refresh: a non-empty string; null when absent and not {@code required}.
   */
  String token(boolean required) throws BadCommand {
    Field token = fields.get("token");
    if (token == null && !required) {
      return null;
    }
    if (token == null || token.kind() != JsonToken.VALUE_STRING || token.text().isEmpty()) {
      throw bad(CommandOutcome.BAD_REQUEST, "token must be a non-empty string (a JWT)");
    }
    return token.text();
  }

  /** The position the client comes back with, {@code "since":{"epoch":"…","seq":41}}; null when absent. */
  Position since() throws BadCommand {
    Field since = fields.get("since");
    if (since == null) {
      return null;
    }
    String epoch = null;
    long seq = -1;
    if (since.kind() == JsonToken.START_OBJECT) {
      try (JsonParser parser = STRICT.createParser(payload, since.start(), since.end() - since.start())) {
        parser.nextToken();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String name = parser.currentName();
          JsonToken kind = parser.nextToken();
          if (name.equals("epoch") && kind == JsonToken.VALUE_STRING) {
            epoch = parser.getText();
          } else if (name.equals("seq") && kind == JsonToken.VALUE_NUMBER_INT) {
            seq = wholeNumber(parser.getText());
          }
          parser.skipChildren();
        }
      } catch (IOException readBefore) {
        throw new IllegalStateException("read once already", readBefore);
      }
    }
    if (epoch == null || seq < 0) {
      throw bad(CommandOutcome.BAD_REQUEST,
          "since must be an object with epoch (a string) and seq (a whole number >= 0)");
    }
    return new Position(epoch, seq);
  }

  /** {@code limit}, from 1 to {@code max}; {@code max} when absent. */
  int limit(int max) throws BadCommand {
    Field limit = fields.get("limit");
    if (limit == null) {
      return max;
    }
    long value = limit.kind() == JsonToken.VALUE_NUMBER_INT ? wholeNumber(limit.text()) : -1;
    if (value < 1 || value > max) {
      throw bad(CommandOutcome.BAD_REQUEST, "limit must be a whole number from 1 to " + max);
    }
    return (int) value;
  }

  /**
   * What a publish carries, as it enters the room: {@code data} that is a string as its text (plain clients get the
   * bare string), other {@code data} as the JSON text the client wrote, {@code binary} as the bytes its base64
   * stands for.
   */
  Envelope publication(String room) throws BadCommand {
    Field data = fields.get("data");
    Field binary = fields.get("binary");
    if ((data == null) == (binary == null)) {
      throw bad(CommandOutcome.BAD_REQUEST, "publish takes exactly one of data and binary");
    }
    if (binary != null) {
      try {
        if (binary.kind() != JsonToken.VALUE_STRING) {
          throw new IllegalArgumentException("not a string");
        }
        return Envelope.incoming(room, Base64.getDecoder().decode(binary.text()), Envelope.Kind.BINARY);
      } catch (IllegalArgumentException notBase64) {
        throw bad(CommandOutcome.BAD_REQUEST, "binary must be a base64 string");
      }
    }
    if (data.kind() == JsonToken.VALUE_STRING) {
      return Envelope.incoming(room, data.text().getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT);
    }
    byte[] json = data.kind().isScalarValue()
        ? data.text().getBytes(StandardCharsets.US_ASCII)
        : Arrays.copyOfRange(payload, data.start(), data.end());
    return Envelope.incoming(room, json, Envelope.Kind.JSON);
  }

  /** An id is echoed as it was read: a string, or a whole number. */
  private static Object id(Field id) throws BadCommand {
    if (id == null) {
      return null;
    }
    if (id.kind() == JsonToken.VALUE_STRING && id.text().length() <= MAX_ID_LENGTH) {
      return id.text();
    }
    long number = id.kind() == JsonToken.VALUE_NUMBER_INT ? wholeNumber(id.text()) : -1;
    if (number < 0) {
      throw new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST,
          "id must be a whole number from 0 or a string of at most " + MAX_ID_LENGTH + " characters");
    }
    return number;
  }

  /** The number, or -1 when it is negative or beyond a long. */
  private static long wholeNumber(String text) {
    try {
      return Math.max(-1, Long.parseLong(text));
    } catch (NumberFormatException tooLong) {
      return -1;
    }
  }

  private static BadCommand notJson(String message) {
    return new BadCommand(null, Command.OTHER, CommandOutcome.BAD_REQUEST, message);
  }

  private static String firstLine(IOException e) {
    String message = String.valueOf(e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage());
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }
}
