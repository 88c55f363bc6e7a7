package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Census;
import io.chorus.hub.Hub;
import io.chorus.hub.RoomName;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * The HTTP API of one gateway, for backends and for browsers that cannot keep a WebSocket: a room
 * ({@code /api/rooms/{room}}, see {@link ApiRoom}) and its messages ({@code /api/rooms/{room}/messages}, see
 * {@link ApiMessages}). Open to anyone who can reach the port (no credentials yet), under the same origin policy as
 * WebSocket upgrades, and rate limited per client address. Every refusal is an RFC 9457 problem. One per gateway,
 * touched by its event loop only.
 */
public final class ApiEndpoint {

  private static final String PREFIX = "/api/rooms/";
  private static final String MESSAGES = "/messages";
  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";

  /** What a path names, with the methods it answers (OPTIONS being a browser's preflight). */
  private enum Resource {
    ROOM(List.of(HttpMethod.GET, HttpMethod.HEAD)),
    MESSAGES(List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST));

    private final List<HttpMethod> methods;
    private final String allow;

    Resource(List<HttpMethod> methods) {
      this.methods = methods;
      this.allow = String.join(", ", methods.stream().map(HttpMethod::name).toList()) + ", OPTIONS";
    }
  }

  private final Readiness readiness;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;
  private final ApiResponses responses;
  private final ApiRoom room;
  private final ApiMessages messages;

  /** @param census counts a room's subscribers, on this node or on every node */
  public ApiEndpoint(ChorusConfig config, Hub hub, Census census, Readiness readiness, ChorusMetrics metrics) {
    this.readiness = readiness;
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
    this.responses = new ApiResponses(new OriginPolicy(config.allowedOrigins()), metrics);
    this.room = new ApiRoom(hub, census, responses);
    this.messages = new ApiMessages(config, hub, responses);
  }

  /** Every request under {@code /api/}, whatever its method: checked cheapest first, then served. */
  public void handle(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    String path = request.path();
    String rest = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : "/";
    Resource resource = rest.endsWith(MESSAGES) ? Resource.MESSAGES : rest.contains("/") ? null : Resource.ROOM;
    String roomName = resource == Resource.MESSAGES ? rest.substring(0, rest.length() - MESSAGES.length()) : rest;
    HttpMethod method = request.method();
    if (resource == null) {
      responses.problem(request, Problem.NOT_FOUND,
          "No resource at " + path + ": use /api/rooms/{room} or /api/rooms/{room}/messages");
    } else if (!RoomName.isValid(roomName)) {
      responses.problem(request, Problem.INVALID_ROOM,
          "A room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (!responses.allows(request)) {
      responses.problem(request, Problem.FORBIDDEN_ORIGIN, "Origin not allowed: " + request.getHeader(HttpHeaders.ORIGIN));
    } else if (method.equals(HttpMethod.OPTIONS)) {
      responses.preflight(request, resource.allow);
    } else if (!resource.methods.contains(method)) {
      request.response().putHeader(HttpHeaders.ALLOW, resource.allow);
      responses.problem(request, Problem.METHOD_NOT_ALLOWED, method.name() + " is not served here: use " + resource.allow);
    } else if (readiness.state() != Readiness.State.READY) {
      responses.problem(request, Problem.DRAINING, "Server is shutting down: try another node");
    } else if (rateLimits != null && !rateLimits.admit(request.remoteAddress().hostAddress(), System.nanoTime())) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
      responses.problem(request, Problem.RATE_LIMITED, "Over the rate limit of this client address");
    } else if (resource == Resource.ROOM) {
      room.show(request, roomName);
    } else if (method.equals(HttpMethod.POST)) {
      messages.publish(routing.vertx(), request, roomName);
    } else {
      messages.history(request, roomName);
    }
  }
}
