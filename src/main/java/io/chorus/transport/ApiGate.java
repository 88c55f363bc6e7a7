package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.ApiKeys;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.chorus.security.Scope;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * What every request of the HTTP API and of long polling passes before its resource serves it: the origin policy of
 * WebSocket upgrades (with CORS for the pages it allows), the methods the resource serves, the API key (the API's
 * only: a poll is a connection, as a WebSocket or an SSE stream is), the node's readiness and the rate limit per
 * client address (shared by both, so that polling and publishing draw on one budget). Answers through
 * {@link ApiResponses}. One per gateway, touched by its event loop only.
 */
public final class ApiGate {

  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";
  /** Vert.x names no constant for it. */
  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";
  private static final String CHALLENGE = "Bearer realm=\"chorus\"";

  private final Readiness readiness;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;
  private final ApiResponses responses;
  private final ApiKeys keys;
  /**
   * Whether connections need a token (JWT authentication is on). The API knows no tokens: without keys of its own it
   * would publish where the tokens forbid it, so it is then closed rather than open.
   */
  private final boolean tokensRequired;

  public ApiGate(ChorusConfig config, Readiness readiness, ChorusMetrics metrics, ApiKeys keys) {
    this.readiness = readiness;
    this.keys = keys;
    this.tokensRequired = config.authentication().enabled();
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
    this.responses = new ApiResponses(new OriginPolicy(config.allowedOrigins()), metrics);
  }

  /** Whether a poll should be served; if not, it has been answered (see below: a poll needs no key). */
  boolean admits(HttpServerRequest request, String methods) {
    return admits(request, methods, null);
  }

  /**
   * Whether the resource should serve the request; if not, it has been answered: 403 for an origin the policy
   * refuses, 204 to a preflight (which never carries credentials), 405 for a method not in {@code methods}, 401 or
   * 403 for a request without a key for {@code scope} (see {@link #authorizes}), 503 while draining, 429 over the rate.
   *
   * @param methods the methods the resource serves, OPTIONS among them, as the {@code Allow} header lists them
   * @param scope   what the request needs its API key for; null when it needs none
   */
  boolean admits(HttpServerRequest request, String methods, Scope scope) {
    HttpMethod method = request.method();
    if (!responses.allows(request)) {
      responses.problem(request, Problem.FORBIDDEN_ORIGIN, "Origin not allowed: " + request.getHeader(HttpHeaders.ORIGIN));
    } else if (method.equals(HttpMethod.OPTIONS)) {
      responses.preflight(request, methods);
    } else if (!List.of(methods.split(", ")).contains(method.name())) {
      request.response().putHeader(HttpHeaders.ALLOW, methods);
      responses.problem(request, Problem.METHOD_NOT_ALLOWED, method.name() + " is not served here: use " + methods);
    } else if (scope != null && !authorizes(request, scope)) {
      return false;
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

  /**
   * Whether the request carries a key with {@code scope}, or no keys are configured; if not, it has been answered
   * with RFC 6750's challenge: 401 {@code unauthorized} without {@code Authorization: Bearer}, or with a key the file
   * does not hold ({@code error="invalid_token"}), 403 {@code forbidden} for a key without the scope
   * ({@code error="insufficient_scope"}). An allowed {@code Origin} is no credential: any client can send one. With
   * JWT authentication on and no keys, every API request gets the 401: the API would otherwise bypass the tokens.
   */
  boolean authorizes(HttpServerRequest request, Scope scope) {
    if (tokensRequired && !keys.guards() && scope != Scope.METRICS) {
      request.response().putHeader(WWW_AUTHENTICATE, CHALLENGE);
      responses.problem(request, Problem.UNAUTHORIZED,
          "Connections need tokens on this server, and the HTTP API has no keys (api-keys): it is closed");
      return false;
    }
    ApiKeys.Verdict verdict = keys.check(request.getHeader(HttpHeaders.AUTHORIZATION), scope);
    if (verdict instanceof ApiKeys.Admitted) {
      return true;
    }
    if (verdict instanceof ApiKeys.Forbidden forbidden) {
      request.response().putHeader(WWW_AUTHENTICATE,
          CHALLENGE + ", error=\"insufficient_scope\", scope=\"" + scope.word() + "\"");
      responses.problem(request, Problem.FORBIDDEN,
          "The API key '" + forbidden.name() + "' lacks the " + scope.word() + " scope");
    } else if (verdict instanceof ApiKeys.Unknown) {
      request.response().putHeader(WWW_AUTHENTICATE, CHALLENGE + ", error=\"invalid_token\"");
      responses.problem(request, Problem.UNAUTHORIZED, "Not an API key of this server");
    } else {
      request.response().putHeader(WWW_AUTHENTICATE, CHALLENGE);
      responses.problem(request, Problem.UNAUTHORIZED, "Send an API key: Authorization: Bearer <key>");
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
