package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Envelope;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.session.HttpMessages;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP API of one gateway, for backends and for browsers that cannot keep a WebSocket: {@code POST} publishes a
 * message to a room and answers with its sequence number, {@code GET} reads the room's history, both at
 * {@code /api/rooms/{room}/messages}. Open to anyone who can reach the port (no credentials yet), under the same
 * origin policy as WebSocket upgrades, and rate limited per client address ({@link ApiGate}). Every refusal is an
 * RFC 9457 problem. One per gateway, touched by its event loop only.
 */
public final class ApiEndpoint {

  private static final String PREFIX = "/api/rooms/";
  private static final String MESSAGES = "/messages";
  private static final String METHODS = "GET, HEAD, POST, OPTIONS";

  private final Hub hub;
  private final ApiGate gate;
  private final int maxMessageSize;
  private final int historySize;
  private final long maxReplyBytes;
  private final long bodyTimeoutMillis;

  public ApiEndpoint(ChorusConfig config, Hub hub, ApiGate gate) {
    this.hub = hub;
    this.gate = gate;
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
    if (room == null) {
      problem(request, Problem.NOT_FOUND, "No resource at " + path + ": use /api/rooms/{room}/messages");
    } else if (!RoomName.isValid(room)) {
      problem(request, Problem.INVALID_ROOM,
          "A room name is 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (gate.admits(request, METHODS)) {
      if (request.method().equals(HttpMethod.POST)) {
        publish(routing.vertx(), request, room);
      } else {
        history(request, room);
      }
    }
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
    gate.json(request, status, body);
  }

  private void problem(HttpServerRequest request, Problem problem, String detail) {
    gate.problem(request, problem, detail);
  }
}
