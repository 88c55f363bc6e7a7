package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.AddressRateLimits;
import io.chorus.security.ApiKeys;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.chorus.security.Scope;
import io.chorus.session.Authenticator;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * What every request of the HTTP API and of long polling passes before its resource serves it: the origin policy of
 * WebSocket upgrades (with CORS for the pages it allows), the methods the resource serves, the node's readiness, the
 * rate limit per client address (shared by both, so that polling and publishing draw on one budget), and for the API
 * its credentials ({@link ApiCredentials}: a poll is a connection, which checks its token as a WebSocket or an SSE
 * stream does). Answers through {@link ApiResponses}. One per gateway, touched by its event loop only.
 */
public final class ApiGate {

  /** The rate limit is at least one message a second: a client that waits this long has its next request admitted. */
  private static final String RETRY_AFTER_SECONDS = "1";
  /** Vert.x names no constant for it. */
  private static final String WWW_AUTHENTICATE = "WWW-Authenticate";

  private final Readiness readiness;
  /** Null when there is no rate limit. */
  private final AddressRateLimits rateLimits;
  private final ApiResponses responses;
  private final ApiCredentials credentials;

  /** @param tokens verifies connection tokens, which the API takes as a connection would; null when JWT is off */
  public ApiGate(ChorusConfig config, Readiness readiness, ChorusMetrics metrics, ApiKeys keys, Authenticator tokens) {
    this.readiness = readiness;
    this.credentials = new ApiCredentials(keys, tokens);
    int rate = config.limits().rateLimit();
    this.rateLimits = rate == 0 ? null : new AddressRateLimits(new RateLimit(rate, config.limits().rateLimitBurst()));
    this.responses = new ApiResponses(new OriginPolicy(config.allowedOrigins()), metrics);
  }

  /**
   * Whether the resource should serve the request; if not, it has been answered: 403 for an origin the policy
   * refuses, 204 to a preflight (which never carries credentials), 405 for a method not in {@code methods}, 503 while
   * draining, 429 over the rate.
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
    } else if (!readiness.serving()) {
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
   * Runs {@code serve} once the request is {@linkplain #admits admitted} and its credentials allow {@code scope} in
   * {@code room}; else answers 401 or 403 with RFC 6750's challenge ({@code error="invalid_token"} for credentials
   * that are neither a key nor a valid token, {@code error="insufficient_scope"} for ones that do not allow it). The
   * credentials are checked last: a flood of costly signatures is rate limited before it is verified.
   */
  void admit(HttpServerRequest request, String methods, Scope scope, String room, Runnable serve) {
    if (!admits(request, methods)) {
      return;
    }
    Future<ApiCredentials.Verdict> verdict = credentials.check(request, scope, room);
    boolean later = !verdict.isComplete();
    if (later) {
      // The body waits in Vert.x's buffer while an ES256 signature is checked on the verification thread.
      request.pause();
    }
    verdict.onComplete(checked -> {
      if (request.response().closed()) {
        return;
      }
      if (checked.result() instanceof ApiCredentials.Refused refused) {
        refuse(request, refused);
      } else {
        serve.run();
      }
      if (later) {
        request.resume();
      }
    });
  }

  /**
   * Whether the request carries an API key with {@code scope} (connection tokens do not count), or the node has no
   * keys; if not, it has been answered with 401 or 403, as {@link #admit} answers.
   */
  boolean authorizes(HttpServerRequest request, Scope scope) {
    if (credentials.key(request.getHeader(HttpHeaders.AUTHORIZATION), scope) instanceof ApiCredentials.Refused refused) {
      refuse(request, refused);
      return false;
    }
    return true;
  }

  private void refuse(HttpServerRequest request, ApiCredentials.Refused refused) {
    request.response().putHeader(WWW_AUTHENTICATE, refused.challenge());
    responses.problem(request, refused.problem(), refused.detail());
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
