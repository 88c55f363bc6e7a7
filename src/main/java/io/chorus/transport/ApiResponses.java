package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.OriginPolicy;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.EnumMap;
import java.util.Map;

/**
 * How the HTTP API answers: JSON that is never cached, RFC 9457 problems (each counted in
 * {@code chorus_api_problems_total}), preflights, and the CORS headers that let an allowed page of another origin
 * read any of them. One per gateway, touched by its event loop only.
 */
final class ApiResponses {

  /** How long a browser may reuse a preflight's answer: ten minutes, Chromium's cap is two hours. */
  private static final String PREFLIGHT_MAX_AGE_SECONDS = "600";

  private final OriginPolicy originPolicy;
  private final Map<Problem, Runnable> problems = new EnumMap<>(Problem.class);

  ApiResponses(OriginPolicy originPolicy, ChorusMetrics metrics) {
    this.originPolicy = originPolicy;
    for (Problem problem : Problem.values()) {
      problems.put(problem, metrics.apiProblem(problem.slug, problem.status));
    }
  }

  /** Whether the request's origin (if it names one) may use the API. */
  boolean allows(HttpServerRequest request) {
    return originPolicy.allows(request.getHeader(HttpHeaders.ORIGIN), request.getHeader(HttpHeaders.HOST));
  }

  /** A browser asks whether a page of another origin may use {@code methods} here: it may, the origin was checked. */
  void preflight(HttpServerRequest request, String methods) {
    allowOrigin(request);
    request.response().setStatusCode(204)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, methods)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Authorization, Content-Type")
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS)
        .end();
  }

  /** Answers with JSON; nothing is written when the request was answered already or its connection is gone. */
  void json(HttpServerRequest request, int status, String body) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    allowOrigin(request);
    response.setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }

  /** Refuses the request; nothing is written (nor counted) when it was answered already or its connection is gone. */
  void problem(HttpServerRequest request, Problem problem, String detail) {
    HttpServerResponse response = request.response();
    if (response.ended() || response.closed()) {
      return;
    }
    problems.get(problem).run();
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
          .putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After, WWW-Authenticate")
          .putHeader(HttpHeaders.VARY, "Origin");
    }
  }
}
