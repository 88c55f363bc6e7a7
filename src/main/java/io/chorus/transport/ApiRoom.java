package io.chorus.transport;

import io.chorus.hub.Census;
import io.chorus.hub.History;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * {@code GET /api/rooms/{room}}: the room's position and its subscribers on every node, over every transport.
 * Reached through {@link ApiEndpoint}, which checked the request. One per gateway, touched by its event loop only.
 */
final class ApiRoom {

  private final Hub hub;
  private final Census census;
  private final ApiResponses responses;

  ApiRoom(Hub hub, Census census, ApiResponses responses) {
    this.hub = hub;
    this.census = census;
    this.responses = responses;
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
}
