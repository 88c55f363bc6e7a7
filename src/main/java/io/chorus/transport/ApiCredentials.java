package io.chorus.transport;

import io.chorus.security.ApiKeys;
import io.chorus.security.Scope;
import io.chorus.session.Authenticator;
import io.chorus.session.Grant;
import io.vertx.core.Future;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;

/**
 * Whether an HTTP API request may do what it asks ({@code scope} in one room), by whom it speaks for. An API key (a
 * backend) may do what its scopes say, in every room. A connection token (a browser on its fallback transport) may do
 * exactly what a connection with that token may: read a room it may subscribe to, post to one it may publish to; so
 * may a request without either when the node lets anonymous clients in. With neither keys nor tokens configured the
 * API is open. One per gateway, touched by its event loop only.
 */
final class ApiCredentials {

  private static final String CHALLENGE = Admission.CHALLENGE;
  private static final String INVALID = CHALLENGE + ", error=\"invalid_token\"";
  private static final String INSUFFICIENT = CHALLENGE + ", error=\"insufficient_scope\"";

  /** What the request gets. */
  sealed interface Verdict permits Allowed, Refused {
  }

  record Allowed() implements Verdict {
  }

  /** Answered with {@code problem}, {@code detail} and the {@code WWW-Authenticate} challenge. */
  record Refused(Problem problem, String challenge, String detail) implements Verdict {
  }

  private static final Allowed ALLOWED = new Allowed();

  private final ApiKeys keys;
  /** Null when connections need no token: the API then knows keys only. */
  private final Authenticator tokens;

  /** @param tokens verifies connection tokens; null when JWT authentication is off */
  ApiCredentials(ApiKeys keys, Authenticator tokens) {
    this.keys = keys;
    this.tokens = tokens;
  }

  /**
   * Checks the request's API key (a Bearer credential that is one of the node's keys wins), else its token
   * ({@code ?token=} or Bearer), else the anonymous grant. The future completes on the event loop and never fails.
   */
  Future<Verdict> check(HttpServerRequest request, Scope scope, String room) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    boolean bearer = Admission.isBearer(authorization);
    List<String> queryTokens = request.params().getAll("token");
    if (keys.guards() && bearer) {
      Verdict byKey = key(authorization, scope);
      if (byKey instanceof Allowed || tokens == null || byKey instanceof Refused refused
          && refused.problem() == Problem.FORBIDDEN) {
        return Future.succeededFuture(byKey);
      }
    } else if (tokens == null) {
      return Future.succeededFuture(key(authorization, scope));
    }
    if (!bearer && queryTokens.isEmpty() && tokens.anonymous() == null) {
      return Future.succeededFuture(new Refused(Problem.UNAUTHORIZED, CHALLENGE,
          "Send a connection token (?token=<jwt> or Authorization: Bearer <jwt>)"
              + (keys.guards() ? " or an API key (Authorization: Bearer <key>)" : "")));
    }
    return Admission.check(tokens, queryTokens, authorization, List.of(), false).map(admission ->
        admission instanceof Admission.Admitted admitted ? permitted(admitted.grant(), scope, room)
            : new Refused(Problem.UNAUTHORIZED, INVALID, (keys.guards() && bearer ? "Neither an API key of this "
                + "server nor a valid token: " : "") + ((HandshakeRefusal) admission).reason()));
  }

  /**
   * What the node's API keys say of {@code authorization} (a request's header, or null): without keys, everyone is
   * allowed. An allowed {@code Origin} is no credential: any client can send one.
   */
  Verdict key(String authorization, Scope scope) {
    ApiKeys.Verdict verdict = keys.check(authorization, scope);
    if (verdict instanceof ApiKeys.Admitted) {
      return ALLOWED;
    } else if (verdict instanceof ApiKeys.Forbidden forbidden) {
      return new Refused(Problem.FORBIDDEN, INSUFFICIENT + ", scope=\"" + scope.word() + "\"",
          "The API key '" + forbidden.name() + "' lacks the " + scope.word() + " scope");
    } else if (verdict instanceof ApiKeys.Unknown) {
      return new Refused(Problem.UNAUTHORIZED, INVALID, "Not an API key of this server");
    }
    return new Refused(Problem.UNAUTHORIZED, CHALLENGE, "Send an API key: Authorization: Bearer <key>");
  }

  /** Allowed if {@code grant} lets a connection do {@code scope} in {@code room}: read is subscribe. */
  private static Verdict permitted(Grant grant, Scope scope, String room) {
    boolean publishes = scope == Scope.PUBLISH;
    if (publishes ? grant.permissions().mayPublish(room) : grant.permissions().maySubscribe(room)) {
      return ALLOWED;
    }
    String what = (publishes ? "publish to room " : "read room ") + room;
    return new Refused(Problem.FORBIDDEN, INSUFFICIENT, grant.authenticated()
        ? "The token does not allow a connection to " + what
        : "Anonymous clients may not " + what);
  }
}
