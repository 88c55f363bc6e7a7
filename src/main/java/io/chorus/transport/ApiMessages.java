package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Envelope;
import io.chorus.hub.Hub;
import io.chorus.hub.Position;
import io.chorus.session.HttpMessages;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/**
 * {@code /api/rooms/{room}/messages}: {@code POST} publishes a message to the room and answers with its position once
 * numbered, {@code GET} reads the room's history. Reached through {@link ApiEndpoint}, which checked everything about
 * the request but its body and parameters. One per gateway, touched by its event loop only.
 */
final class ApiMessages {

  private final Hub hub;
  private final ApiResponses responses;
  private final int maxMessageSize;
  private final int historySize;
  private final long maxReplyBytes;
  private final long bodyTimeoutMillis;

  ApiMessages(ChorusConfig config, Hub hub, ApiResponses responses) {
    this.hub = hub;
    this.responses = responses;
    this.maxMessageSize = config.limits().maxMessageSize();
    this.historySize = config.retention().historySize();
    // As for a history command: half of max-pending-output, which a WebSocket client's reply may not exceed either.
    this.maxReplyBytes = config.limits().maxPendingOutput() / 2;
    // A body has as long to arrive as a request head has: an honest client sends it at once.
    this.bodyTimeoutMillis = config.timeouts().handshakeTimeout().toMillis();
  }

  /** Reads the body (see {@link ApiBody}), then publishes it once it is whole and valid. */
  void publish(Vertx vertx, HttpServerRequest request, String room) {
    Envelope.Kind kind = ApiBody.kind(request.getHeader(HttpHeaders.CONTENT_TYPE));
    if (kind == null) {
      responses.problem(request, Problem.UNSUPPORTED_TYPE,
          "Send application/json, text/plain (UTF-8) or application/octet-stream");
      return;
    }
    ApiBody.read(vertx, request, maxMessageSize, bodyTimeoutMillis, () -> tooLarge(request), body -> {
      Envelope message;
      try {
        message = ApiBody.message(room, kind, body);
      } catch (IllegalArgumentException bad) {
        responses.problem(request, Problem.BAD_BODY, bad.getMessage());
        return;
      }
      hub.publish(message).onComplete(published -> hub.onLoop(() -> {
        if (published.failed()) {
          responses.problem(request, Problem.UNAVAILABLE, "The message could not be sequenced: try again");
          return;
        }
        Position position = published.result();
        responses.json(request, 201, new JsonObject().put("room", room).put("epoch", position.epoch())
            .put("seq", position.seq()).encode());
      }));
    });
  }

  void history(HttpServerRequest request, String room) {
    if (historySize == 0) {
      responses.problem(request, Problem.HISTORY_UNAVAILABLE, "History is off on this server (history-size 0)");
      return;
    }
    Position since;
    int limit;
    try {
      String sinceParam = request.getParam("since");
      since = sinceParam == null ? null : SseEventId.position(sinceParam);
    } catch (IllegalArgumentException bad) {
      responses.problem(request, Problem.BAD_SINCE, "since is <epoch>:<seq>: " + bad.getMessage());
      return;
    }
    try {
      String limitParam = request.getParam("limit");
      limit = limitParam == null ? historySize : Integer.parseInt(limitParam);
      if (limit < 1 || limit > historySize) {
        throw new NumberFormatException();
      }
    } catch (NumberFormatException bad) {
      responses.problem(request, Problem.BAD_LIMIT, "limit is a whole number from 1 to " + historySize);
      return;
    }
    hub.history(room, 0, Integer.MAX_VALUE).onComplete(read -> hub.onLoop(() -> {
      if (read.failed()) {
        responses.problem(request, Problem.UNAVAILABLE, "History cannot be read now: try again");
      } else {
        responses.json(request, 200, HttpMessages.history(room, read.result(), since, limit, maxReplyBytes));
      }
    }));
  }

  /** Refuses the body and ends the connection once the answer is written: the rest of the body is never read. */
  private void tooLarge(HttpServerRequest request) {
    request.response().putHeader(HttpHeaders.CONNECTION, "close")
        .endHandler(written -> request.connection().close());
    responses.problem(request, Problem.TOO_LARGE,
        "A message is at most " + maxMessageSize + " bytes (max-message-size)");
  }
}
