package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * What every request of the HTTP API and of long polling passes before its resource serves it: the origin policy of
 * WebSocket upgrades (with CORS for the pages it allows), the methods the resource serves, the node's readiness and
 * the rate limit per client address (shared by both, so that polling and publishing draw on one budget). Answers
 * through {@link ApiResponses}. One per gateway, touched by its event loop only.
 */
public final class ApiGate {

  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";

  private final Readiness readiness;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;
  private final ApiResponses responses;

  public ApiGate(ChorusConfig config, Readiness readiness, ChorusMetrics metrics) {
    this.readiness = readiness;
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
    this.responses = new ApiResponses(new OriginPolicy(config.allowedOrigins()), metrics);
  }

  /**
   * Whether the resource should serve the request; if not, it has been answered: 403 for an origin the policy
   * refuses, 204 to a preflight, 405 for a method not in {@code methods}, 503 while draining, 429 over the rate.
   *
   * @param methods the methods the resource serves, OPTIONS among them, as the {@code Allow} header lists them
   */
  boolean admits(HttpServerRequest request, String methods) {
    HttpMethod method = request.method();
    if (!responses.allows(request)) {
      responses.problem(request, Problem.FORBIDDEN_ORIGIN, "Origin not allowed: " + request.getHeader(HttpHeaders.ORIGIN));
    } else if (method.equals(HttpMethod.OPTIONS)) {
      responses.preflight(request, methods);
    } else if (!List.of(methods.split(", ")).contains(method.name())) {
      request.response().putHeader(HttpHeaders.ALLOW, methods);
      responses.problem(request, Problem.METHOD_NOT_ALLOWED, method.name() + " is not served here: use " + methods);
    } else if (readiness.state() != Readiness.State.READY) {
      responses.problem(request, Problem.DRAINING, "Server is shutting down: try another node");
    } else if (rateLimits != null && !rateLimits.admit(request.remoteAddress().hostAddress(), System.nanoTime())) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
      responses.problem(request, Problem.RATE_LIMITED, "Over the rate limit of this client address");
    } else {
      return true;
    }
    return false;
  }

  ApiResponses responses() {
    return responses;
  }

  void json(HttpServerRequest request, int status, String body) {
    responses.json(request, status, body);
  }

  void problem(HttpServerRequest request, Problem problem, String detail) {
    responses.problem(request, problem, detail);
  }
}
