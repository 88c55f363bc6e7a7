package io.chorus.transport;

import io.chorus.hub.Position;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code id:} of an SSE stream's events, which the browser sends back as {@code Last-Event-ID} when it
 * reconnects (and a page may give as {@code since=} when it opens a stream): the position of every room of the
 * stream, so that each resumes where it was. A stream of one room named by its path ({@code /sse/news}) writes
 * {@code <epoch>:<seq>}; a stream named by its query ({@code /sse?room=a&room=b}) writes
 * {@code a=<epoch>:<seq>,b=<epoch>:<seq>}, its rooms in the query's order. Room names hold none of {@code = , :}
 * (RoomName), and epochs are hex.
 */
final class SseEventId {

  private SseEventId() {
  }

  /**
   * The positions in a {@code Last-Event-ID} (or {@code since}) for each of {@code rooms} (null: fresh; a room the
   * id does not name starts fresh too); every room fresh when there is no id.
   *
   * @throws IllegalArgumentException when the id is not one this server writes for such a stream
   */
  static Map<String, Position> parse(String lastEventId, List<String> rooms, boolean pathForm) {
    Map<String, Position> positions = new LinkedHashMap<>();
    rooms.forEach(room -> positions.put(room, null));
    if (lastEventId == null || lastEventId.isEmpty()) {
      return positions;
    }
    if (pathForm) {
      positions.put(rooms.get(0), position(lastEventId));
      return positions;
    }
    for (String pair : lastEventId.split(",", -1)) {
      int equals = pair.indexOf('=');
      if (equals < 1) {
        throw new IllegalArgumentException("not room=epoch:seq pairs joined by commas");
      }
      String room = pair.substring(0, equals);
      if (positions.containsKey(room)) {
        positions.put(room, position(pair.substring(equals + 1)));
      }
    }
    return positions;
  }

  /** The id for the stream's rooms at their positions (a room not yet positioned is left out). */
  static String format(Map<String, Position> positions, boolean pathForm) {
    StringBuilder id = new StringBuilder(40 * positions.size());
    positions.forEach((room, position) -> {
      if (position == null) {
        return;
      }
      if (!pathForm) {
        id.append(id.isEmpty() ? "" : ",").append(room).append('=');
      }
      id.append(position.epoch()).append(':').append(position.seq());
    });
    return id.toString();
  }

  /** A position written as {@code <epoch>:<seq>}, as in an event id or the HTTP API's {@code since}. */
  static Position position(String text) {
    int colon = text.lastIndexOf(':');
    if (colon < 1) {
      throw new IllegalArgumentException("a position is epoch:seq");
    }
    try {
      long seq = Long.parseLong(text.substring(colon + 1));
      if (seq < 0) {
        throw new NumberFormatException();
      }
      return new Position(text.substring(0, colon), seq);
    } catch (NumberFormatException notSeq) {
      throw new IllegalArgumentException("a position's seq is a whole number >= 0");
    }
  }
}
