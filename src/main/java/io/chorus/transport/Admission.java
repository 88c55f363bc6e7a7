package io.chorus.transport;

import io.chorus.metrics.Handshake;
import io.chorus.session.Authenticator;
import io.chorus.session.Grant;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;

import java.util.Collection;
import java.util.List;

/**
 * Whether a request that opens a connection (a WebSocket upgrade, an SSE stream, a poll) may, by its token: the token
 * comes as {@code ?token=} (browsers cannot set headers on a WebSocket or an EventSource) or as
 * {@code Authorization: Bearer}. Without one, the client gets the anonymous grant, or waits for its chorus.v1
 * {@code connect} where it can send one, or is refused. The rooms the request names must be ones the grant lets it
 * subscribe to. Stateless: the {@link Authenticator} verifies, at once or, for costly signatures, a little later.
 */
final class Admission {

  private static final String BEARER = "Bearer ";
  /** RFC 6750 3: a 401 names the scheme, so that a client knows what to send. */
  static final String CHALLENGE = "Bearer realm=\"chorus\"";

  /** What the request gets. */
  sealed interface Verdict permits Admitted, HandshakeRefusal {
  }

  /** Let in with {@code grant}; null when it must still send a chorus.v1 connect. */
  record Admitted(Grant grant) implements Verdict {
  }


  private Admission() {
  }

  /**
   * @param queryTokens   the values of {@code token} in the query
   * @param authorization the {@code Authorization} header, or null
   * @param rooms         the rooms the request opens with
   * @param mayConnect    whether the client may send its token later, in a chorus.v1 connect
   */
  static Future<Verdict> check(Authenticator authenticator, List<String> queryTokens, String authorization,
      Collection<String> rooms, boolean mayConnect) {
    String token = null;
    if (queryTokens.size() > 1) {
      return Future.succeededFuture(unauthorized("more than one token in the query"));
    } else if (queryTokens.size() == 1) {
      token = queryTokens.get(0);
    } else if (isBearer(authorization)) {
      token = authorization.substring(BEARER.length()).trim();
    }
    if (token != null) {
      return authenticator.check(token).map(verdict -> verdict instanceof Authenticator.Granted granted
          ? allowed(granted.grant(), rooms)
          : unauthorized(((Authenticator.Refused) verdict).reason()));
    }
    Grant anonymous = authenticator.anonymous();
    if (anonymous == null) {
      return Future.succeededFuture(mayConnect ? new Admitted(null)
          : unauthorized("a token is required: ?token=<jwt> or Authorization: Bearer <jwt>"));
    }
    return Future.succeededFuture(allowed(anonymous, rooms));
  }

  /** Whether an {@code Authorization} header (or null) carries {@code Bearer} credentials. */
  static boolean isBearer(String authorization) {
    return authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length());
  }

  /** Admitted with {@code grant} if it lets the client into every one of {@code rooms}. */
  private static Verdict allowed(Grant grant, Collection<String> rooms) {
    for (String room : rooms) {
      if (!grant.permissions().maySubscribe(room)) {
        return new HandshakeRefusal(Handshake.FORBIDDEN, HttpResponseStatus.FORBIDDEN,
            (grant.authenticated() ? "The token does not allow room " : "Anonymous clients may not join room ")
                + room, null, null);
      }
    }
    return new Admitted(grant);
  }

  private static HandshakeRefusal unauthorized(String reason) {
    return new HandshakeRefusal(Handshake.UNAUTHORIZED, HttpResponseStatus.UNAUTHORIZED, "Unauthorized: " + reason,
        HttpHeaderNames.WWW_AUTHENTICATE, CHALLENGE);
  }
}
