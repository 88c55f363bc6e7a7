package io.chorus.session;

import io.chorus.hub.Attendance;
import io.chorus.hub.Present;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A room's presence as JSON, for the {@code presence} command and the HTTP API alike. */
public final class PresenceReply {

  private PresenceReply() {
  }

  /**
   * Puts the listed connections into {@code reply} as {@code clients} ({@code client}, {@code user}, and
   * {@code info} when the token had one), as many as fit in {@code budget} bytes, and {@code "truncated":true} when
   * the room has more connections than that.
   */
  public static JsonObject list(Attendance attendance, JsonObject reply, long budget) {
    JsonArray clients = new JsonArray();
    boolean truncated = attendance.truncated();
    long spent = 0;
    for (Present present : attendance.listed()) {
      JsonObject client = new JsonObject().put("client", present.client()).put("user", present.user());
      if (present.info() != null) {
        client.put("info", present.info());
      }
      spent += client.toBuffer().length() + 1;
      if (spent > budget) {
        truncated = true;
        break;
      }
      clients.add(client);
    }
    reply.put("clients", clients);
    if (truncated) {
      reply.put("truncated", true);
    }
    return reply;
  }

  /** A {@code join} or {@code leave} push. */
  static String change(boolean joined, String room, Present present) {
    return new JsonObject()
        .put("type", joined ? "join" : "leave")
        .put("room", room)
        .put("client", present.client())
        .put("user", present.user())
        .encode();
  }
}
