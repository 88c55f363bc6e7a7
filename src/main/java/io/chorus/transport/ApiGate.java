package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;

/**
 * What every request of the HTTP API and of long polling passes before its resource serves it, and how both
 * answer: the origin policy of WebSocket upgrades with CORS for the pages it allows, the methods the resource
 * serves, the node's readiness, the rate limit per client address (shared by both, so that polling and publishing
 * draw on one budget), JSON answers and RFC 9457 problems. One per gateway, touched by its event loop only.
 */
public final class ApiGate {

  /** How long a browser may reuse a preflight's answer: ten minutes, Chromium's cap is two hours. */
  private static final String PREFLIGHT_MAX_AGE_SECONDS = "600";
  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";

  private final Readiness readiness;
  private final OriginPolicy originPolicy;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;

  public ApiGate(ChorusConfig config, Readiness readiness) {
    this.readiness = readiness;
    this.originPolicy = new OriginPolicy(config.allowedOrigins());
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
  }

  /**
   * Whether the resource should serve the request; if not, it has been answered: 403 for an origin the policy
   * refuses, 204 to a preflight, 405 for a method not in {@code methods}, 503 while draining, 429 over the rate.
   *
   * @param methods the methods the resource serves, OPTIONS among them, as the {@code Allow} header lists them
   */
  boolean admits(HttpServerRequest request, String methods) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    HttpMethod method = request.method();
    if (!originPolicy.allows(origin, request.getHeader(HttpHeaders.HOST))) {
      problem(request, Problem.FORBIDDEN_ORIGIN, "Origin not allowed: " + origin);
    } else if (method.equals(HttpMethod.OPTIONS)) {
      preflight(request, methods);
    } else if (!List.of(methods.split(", ")).contains(method.name())) {
      request.response().putHeader(HttpHeaders.ALLOW, methods);
      problem(request, Problem.METHOD_NOT_ALLOWED, method.name() + " is not served here: use " + methods);
    } else if (readiness.state() != Readiness.State.READY) {
      problem(request, Problem.DRAINING, "Server is shutting down: try another node");
    } else if (rateLimits != null && !rateLimits.admit(request.remoteAddress().hostAddress(), System.nanoTime())) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
      problem(request, Problem.RATE_LIMITED, "Over the rate limit of this client address");
    } else {
      return true;
    }
    return false;
  }

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

  void problem(HttpServerRequest request, Problem problem, String detail) {
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

  /** A browser asks whether a page of another origin may send here: it may when the origin policy allows it. */
  private void preflight(HttpServerRequest request, String methods) {
    allowOrigin(request);
    request.response().setStatusCode(204)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, methods)
        .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, "Content-Type")
        .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, PREFLIGHT_MAX_AGE_SECONDS)
        .end();
  }

  /** Lets a page of another origin read the answer, when the origin policy allows that page (checked before). */
  private void allowOrigin(HttpServerRequest request) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin != null && originPolicy.allows(origin, request.getHeader(HttpHeaders.HOST))) {
      request.response()
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .putHeader(HttpHeaders.ACCESS_CONTROL_EXPOSE_HEADERS, "Retry-After")
          .putHeader(HttpHeaders.VARY, "Origin");
    }
  }
}
