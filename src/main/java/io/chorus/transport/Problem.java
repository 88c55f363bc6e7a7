package io.chorus.transport;

import io.vertx.core.json.JsonObject;

/**
 * The HTTP API's refusals, each an RFC 9457 problem type with its status: the closed vocabulary a backend can switch
 * on ({@code type}), and a title that stays the same for every occurrence.
 */
enum Problem {
  NOT_FOUND(404, "not-found", "No such resource"),
  METHOD_NOT_ALLOWED(405, "method-not-allowed", "Method not allowed"),
  INVALID_ROOM(400, "invalid-room", "Invalid room name"),
  BAD_BODY(400, "bad-body", "The body is not a valid message"),
  BAD_SINCE(400, "bad-since", "Invalid since"),
  BAD_LIMIT(400, "bad-limit", "Invalid limit"),
  UNAUTHORIZED(401, "unauthorized", "Missing, invalid or expired credentials"),
  FORBIDDEN(403, "forbidden", "Not allowed by the credentials"),
  FORBIDDEN_ORIGIN(403, "forbidden-origin", "Origin not allowed"),
  TOO_LARGE(413, "too-large", "Message too large"),
  UNSUPPORTED_TYPE(415, "unsupported-type", "Unsupported content type"),
  RATE_LIMITED(429, "rate-limited", "Too many requests"),
  HISTORY_UNAVAILABLE(404, "history-unavailable", "History is off"),
  DRAINING(503, "draining", "Server is shutting down"),
  NODE_FULL(503, "node-full", "Server is full"),
  UNAVAILABLE(503, "unavailable", "Try again");

  final int status;
  /** The end of the type: the problem's name in documentation and in {@code chorus_api_problems_total}. */
  final String slug;
  private final String type;
  private final String title;

  Problem(int status, String slug, String title) {
    this.status = status;
    this.slug = slug;
    this.type = "urn:chorus:problem:" + slug;
    this.title = title;
  }

  String render(String detail) {
    return new JsonObject().put("type", type).put("title", title).put("status", status).put("detail", detail).encode();
  }
}
