package io.chorus.session;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.chorus.hub.Envelope;
import io.chorus.hub.History;
import io.chorus.hub.Position;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The reply to a {@code history} command, written as text from the kept messages' bytes: no JSON tree is built or
 * encoded, so a reply costs about a copy of what it carries, whatever the messages hold. Its messages are the
 * newest that fit in a byte budget, measured as written.
 */
final class HistoryReply {

  private HistoryReply() {
  }

  /**
   * @param id     the command's id, or null
   * @param since  the client's position, or null: messages after it when its epoch is the current one, else all
   * @param limit  the newest this many at most
   * @param budget bytes of messages the reply may carry
   */
  static String render(Object id, String room, History history, Position since, int limit, long budget) {
    Position now = history.position();
    long after = since != null && since.epoch().equals(now.epoch()) ? since.seq() : 0;
    List<String> newestFirst = new ArrayList<>();
    long spent = 0;
    boolean truncated = false;
    List<Envelope> kept = history.messages();
    for (int i = kept.size() - 1; i >= 0 && newestFirst.size() < limit && kept.get(i).seq() > after; i--) {
      String message = message(room, kept.get(i));
      long bytes = utf8Length(message);
      if (spent + bytes > budget) {
        truncated = true;
        break;
      }
      spent += bytes;
      newestFirst.add(message);
    }
    StringBuilder reply = new StringBuilder((int) Math.min(spent, Integer.MAX_VALUE - 160) + 160).append('{');
    if (id != null) {
      reply.append("\"id\":").append(json(id)).append(',');
    }
    reply.append("\"type\":\"history\",\"room\":\"").append(room)
        .append("\",\"epoch\":").append(json(now.epoch()))
        .append(",\"seq\":").append(now.seq());
    if (truncated) {
      reply.append(",\"truncated\":true");
    }
    reply.append(",\"messages\":[");
    for (int i = newestFirst.size() - 1; i >= 0; i--) {
      reply.append(newestFirst.get(i)).append(i > 0 ? "," : "");
    }
    return reply.append("]}").toString();
  }

  /** One message as the {@code message} push shows it (room names need no escaping: RoomName). */
  static String message(String room, Envelope message) {
    StringBuilder json = new StringBuilder(message.payload().length + 64)
        .append("{\"type\":\"message\",\"room\":\"").append(room).append("\",\"seq\":").append(message.seq());
    switch (message.kind()) {
      case JSON -> json.append(",\"data\":").append(new String(message.payload(), StandardCharsets.UTF_8));
      case TEXT -> json.append(",\"data\":").append(json(new String(message.payload(), StandardCharsets.UTF_8)));
      case BINARY -> json.append(",\"binary\":\"").append(Base64.getEncoder().encodeToString(message.payload()))
          .append('"');
    }
    return json.append('}').toString();
  }

  /** What the text weighs once written as UTF-8. */
  static long utf8Length(String text) {
    long bytes = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        bytes += 1;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  static String json(Object value) {
    if (value instanceof String text) {
      return '"' + new String(JsonStringEncoder.getInstance().quoteAsString(text)) + '"';
    }
    return value.toString();
  }
}
