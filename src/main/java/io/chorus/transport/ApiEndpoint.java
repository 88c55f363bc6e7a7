package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Envelope;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.chorus.session.HttpMessages;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP API of one gateway, for backends and for browsers that cannot keep a WebSocket: {@code POST} publishes a
 * message to a room and answers with its sequence number, {@code GET} reads the room's history, both at
 * {@code /api/rooms/{room}/messages}. Open to anyone who can reach the port (no credentials yet), under the same
 * origin policy as WebSocket upgrades, and rate limited per client address. Every refusal is an RFC 9457 problem.
 * One per gateway, touched by its event loop only.
 */
public final class ApiEndpoint {

  private static final String PREFIX = "/api/rooms/";
  private static final String MESSAGES = "/messages";
  private static final String METHODS = "GET, HEAD, POST, OPTIONS";
  /** How long a browser may reuse a preflight's answer: ten minutes, Chromium's cap is two hours. */
  private static final String PREFLIGHT_MAX_AGE_SECONDS = "600";
  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";

  private final Hub hub;
  private final Readiness readiness;
  private final OriginPolicy originPolicy;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;
  private final int maxMessageSize;
  private final int historySize;
  private final long maxReplyBytes;
  private final long bodyTimeoutMillis;

  public ApiEndpoint(ChorusConfig config, Hub hub, Readiness readiness) {
    this.hub = hub;
    this.readiness = readiness;
    this.originPolicy = new OriginPolicy(config.allowedOrigins());
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
    this.maxMessageSize = config.limits().maxMessageSize();
    this.historySize = config.retention().historySize();
    // As for a history command: half of max-pending-output, which a WebSocket client's reply may not exceed either.
    this.maxReplyBytes = config.limits().maxPendingOutput() / 2;
    // A body has as long to arrive as a request head has: an honest client sends it at once.
    this.bodyTimeoutMillis = config.timeouts().handshakeTimeout().toMillis();
  }

  /** Every request under {@code /api/}, whatever its method. */
  public void handle(RoutingContext routing) {
    HttpServerRequest request = routing.request();
    String path = request.path();
    String room = path.startsWith(PREFIX) && path.endsWith(MESSAGES)
        ? path.substring(PREFIX.length(), path.length() - MESSAGES.length()) : null;
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    HttpMethod method = request.method();
    if (room == null) {
      problem(request, Problem.NOT_FOUND, "No resource at " + path + ": use /api/rooms/{room}/messages");
    } else if (!RoomName.isValid(room)) {
      problem(request, Problem.INVALID_ROOM,
          "A room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (!originPolicy.allows(origin, request.getHeader(HttpHeaders.HOST))) {
      problem(request, Problem.FORBIDDEN_ORIGIN, "Origin not allowed: " + origin);
    } else if (method.equals(HttpMethod.OPTIONS)) {
      preflight(request);
    } else if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD) && !method.equals(HttpMethod.POST)) {
      request.response().putHeader(HttpHeaders.ALLOW, METHODS);
      problem(request, Problem.METHOD_NOT_ALLOWED, method.name() + " is not served here: use " + METHODS);
    } else if (readiness.state() != Readiness.State.READY) {
      problem(request, Problem.DRAINING, "Server is shutting down: try another node");
    } else if (rateLimits != null && !rateLimits.admit(request.remoteAddress().hostAddress(), System.nanoTime())) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
      problem(request, Problem.RATE_LIMITED, "Over the rate limit of this client address");
    } else if (method.equals(HttpMethod.POST)) {
      publish(routing.vertx(), request, room);
    } else {
      history(request, room);
    }
  }

  /** A browser asks whether a page of another origin may POST JSON here: it may when the origin policy allows it. */
  private void preflight(HttpServerRequest request) {
    allowOrigin(request);
    request.response().setStatusCode(204)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, METHODS)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type")
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS)
        .end();
  }

  /** Reads the body (see {@link ApiBody}), then publishes it once it is whole and valid. */
  private void publish(Vertx vertx, HttpServerRequest request, String room) {
    Envelope.Kind kind = ApiBody.kind(request.getHeader(HttpHeaders.CONTENT_TYPE));
    if (kind == null) {
      problem(request, Problem.UNSUPPORTED_TYPE,
          "Send application/json, text/plain (UTF-8) or application/octet-stream");
      return;
    }
    ApiBody.read(vertx, request, maxMessageSize, bodyTimeoutMillis, () -> tooLarge(request), body -> {
      Envelope message;
      try {
        message = ApiBody.message(room, kind, body);
      } catch (IllegalArgumentException bad) {
        problem(request, Problem.BAD_BODY, bad.getMessage());
        return;
      }
      hub.publish(message).onComplete(published -> hub.onLoop(() -> {
        if (published.failed()) {
          problem(request, Problem.UNAVAILABLE, "The message could not be sequenced: try again");
          return;
        }
        Position position = published.result();
        json(request, 201, new JsonObject().put("room", room).put("epoch", position.epoch())
            .put("seq", position.seq()).encode());
      }));
    });
  }

  private void history(HttpServerRequest request, String room) {
    if (historySize == 0) {
      problem(request, Problem.HISTORY_UNAVAILABLE, "History is off on this server (history-size 0)");
      return;
    }
    Position since;
    int limit;
    try {
      String sinceParam = request.getParam("since");
      since = sinceParam == null ? null : SseEventId.position(sinceParam);
    } catch (IllegalArgumentException bad) {
      problem(request, Problem.BAD_SINCE, "since is <epoch>:<seq>: " + bad.getMessage());
      return;
    }
    try {
      String limitParam = request.getParam("limit");
      limit = limitParam == null ? historySize : Integer.parseInt(limitParam);
      if (limit < 1 || limit > historySize) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException bad) {
      problem(request, Problem.BAD_LIMIT, "limit is a whole number from 1 to " + historySize);
      return;
    }
    hub.history(room, 0, Integer.MAX_VALUE).onComplete(read -> hub.onLoop(() -> {
      if (read.failed()) {
        problem(request, Problem.UNAVAILABLE, "History cannot be read now: try again");
      } else {
        json(request, 200, HttpMessages.history(room, read.result(), since, limit, maxReplyBytes));
      }
    }));
  }

  /** Refuses the body and ends the connection once the answer is written: the rest of the body is never read. */
  private void tooLarge(HttpServerRequest request) {
    request.response().putHeader(HttpHeaders.CONNECTION, "close")
        .endHandler(written -> request.connection().close());
    problem(request, Problem.TOO_LARGE, "A message is at most " + maxMessageSize + " bytes (max-message-size)");
  }

  private void json(HttpServerRequest request, int status, String body) {
    allowOrigin(request);
    request.response().setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }

  private void problem(HttpServerRequest request, Problem problem, String detail) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    allowOrigin(request);
    response.setStatusCode(problem.status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/problem+json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(problem.render(detail));
  }

  /**
   * Lets a page of another origin read the answer, when the origin policy allows that page (checked before), also
   * with its cookies (fetch's {@code credentials: "include"}), as its SSE streams and WebSockets may: without
   * {@code Allow-Credentials} the browser hides the answer, and the page sees only "Failed to fetch".
   */
  private void allowOrigin(HttpServerRequest request) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && originPolicy.allows(origin, request.getHeader(HttpHeaders.HOST))) {
      request.response()
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
          .putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After")
          .putHeader(HttpHeaders.VARY, "Origin");
    }
  }
}
