package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Census;
import io.chorus.hub.Hub;
import io.chorus.hub.Presence;
import io.chorus.hub.RoomName;
import io.chorus.security.Scope;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP API of one gateway, for backends and for browsers that cannot keep a WebSocket: a room
 * ({@code /api/rooms/{room}}) and its presence ({@code /api/rooms/{room}/presence}), see {@link ApiRoom}, and its
 * messages ({@code /api/rooms/{room}/messages}, see {@link ApiMessages}). Under the same origin policy as WebSocket
 * upgrades, rate limited per client address, with an API key when the node has some (a {@code publish} key to POST,
 * a {@code read} key for the rest) or a connection token that allows it (see {@link ApiCredentials}). Every refusal is an RFC 9457 problem. One per gateway, touched by its event
 * loop only.
 */
public final class ApiEndpoint {

  private static final String PREFIX = "/api/rooms/";
  private static final String MESSAGES = "/messages";
  private static final String PRESENCE = "/presence";

  /** What a path names, with the methods it answers as {@code Allow} lists them (OPTIONS: a browser's preflight). */
  private enum Resource {
    ROOM("GET, HEAD, OPTIONS"),
    MESSAGES("GET, HEAD, POST, OPTIONS"),
    PRESENCE("GET, HEAD, OPTIONS");

    private final String allow;

    Resource(String allow) {
      this.allow = allow;
    }
  }

  private final ApiGate gate;
  private final ApiResponses responses;
  private final ApiRoom room;
  private final ApiMessages messages;

  /**
   * @param census   counts a room's subscribers, on this node or on every node
   * @param presence who is in each room, on this node or on every node
   */
  public ApiEndpoint(ChorusConfig config, Hub hub, Census census, Presence presence, ApiGate gate) {
    this.gate = gate;
    this.responses = gate.responses();
    this.room = new ApiRoom(hub, census, presence, responses, config.limits().maxPendingOutput());
    this.messages = new ApiMessages(config, hub, responses);
  }

  /** Every request under {@code /api/}, whatever its method: checked cheapest first, then served. */
  public void handle(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    String path = request.path();
    String rest = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "/";
    Resource resource = rest.endsWith(MESSAGES) ? Resource.MESSAGES
        : rest.endsWith(PRESENCE) ? Resource.PRESENCE
        : rest.contains("/") ? null : Resource.ROOM;
    String roomName = switch (resource == null ? Resource.ROOM : resource) {
      case MESSAGES -> rest.substring(0, rest.length() - MESSAGES.length());
      case PRESENCE -> rest.substring(0, rest.length() - PRESENCE.length());
      case ROOM -> rest;
    };
    boolean posts = request.method().equals(HttpMethod.POST);
    if (resource == null) {
      responses.problem(request, Problem.NOT_FOUND, "No resource at " + path
          + ": use /api/rooms/{room}, /api/rooms/{room}/messages or /api/rooms/{room}/presence");
    } else if (!RoomName.isValid(roomName)) {
      responses.problem(request, Problem.INVALID_ROOM,
          "A room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else {
      gate.admit(request, resource.allow, posts ? Scope.PUBLISH : Scope.READ, roomName, () -> {
        if (resource == Resource.ROOM) {
          room.show(request, roomName);
        } else if (resource == Resource.PRESENCE) {
          room.presence(request, roomName);
        } else if (posts) {
          messages.publish(routing.vertx(), request, roomName);
        } else {
          messages.history(request, roomName);
        }
      });
    }
  }
}
