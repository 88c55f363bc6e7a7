package io.chorus.transport;

import io.chorus.hub.Attendance;
import io.chorus.hub.Census;
import io.chorus.hub.History;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.chorus.hub.Presence;
import io.chorus.session.PresenceReply;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /api/rooms/{room}}: the room's position and its subscribers on every node, over every transport; and
 * {@code GET /api/rooms/{room}/presence}: who they are.
 * Reached through {@link ApiEndpoint}, which checked the request. One per gateway, touched by its event loop only.
 */
final class ApiRoom {

  private final Hub hub;
  private final Census census;
  private final Presence presence;
  private final ApiResponses responses;
  /** Bytes of listed connections an answer carries at most, as a chorus.v1 reply does: half of max-pending-output. */
  private final long maxListBytes;

  ApiRoom(Hub hub, Census census, Presence presence, ApiResponses responses, int maxPendingOutput) {
    this.hub = hub;
    this.census = census;
    this.presence = presence;
    this.responses = responses;
    this.maxListBytes = maxPendingOutput / 2;
  }

  /**
   * Counts and reads the position at once. The position comes from a history read of no messages: like one, it
   * starts no stream, so a room nobody publishes to or subscribes to answers seq 0 and an epoch that is kept nowhere.
   */
  void show(HttpServerRequest request, String room) {
    Future<Integer> subscribers = census.subscribers(room);
    Future<History> position = hub.history(room, 0, 0);
    Future.all(subscribers, position).onComplete(both -> hub.onLoop(() -> {
      if (both.failed()) {
        responses.problem(request, Problem.UNAVAILABLE,
            "The room's subscribers could not be counted on every node, or its position read: try again");
        return;
      }
      Position now = position.result().position();
      responses.json(request, 200, new JsonObject().put("room", room).put("epoch", now.epoch()).put("seq", now.seq())
          .put("subscribers", subscribers.result()).encode());
    }));
  }

  /** The room's connections (capped, as the {@code presence} command lists them) and their counts. */
  void presence(HttpServerRequest request, String room) {
    presence.attendance(room).onComplete(read -> hub.onLoop(() -> {
      if (read.failed()) {
        responses.problem(request, Problem.UNAVAILABLE, "The room's presence could not be read: try again");
        return;
      }
      Attendance attendance = read.result();
      JsonObject answer = new JsonObject().put("room", room)
          .put("connections", attendance.connections())
          .put("users", attendance.users());
      responses.json(request, 200, PresenceReply.list(attendance, answer, maxListBytes).encode());
    }));
  }
}
