package io.chorus.transport;

import io.chorus.metrics.HttpRejection;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.net.HostAndPort;

import java.util.List;

/**
 * The checks every HTTP request on the client port passes before Vert.x or the WebSocket upgrade sees it: the
 * decoder's verdict, the Host header (RFC 9112 3.2), the method, the request target. Vert.x would answer most of these
 * itself, but it logs a request without a valid Host, or with a target that is not a path (CONNECT's
 * {@code host:port}, OPTIONS's {@code *}), as an error of the server, one line each, and a client can pipeline
 * thousands in one write. Refused here, they are only counted.
 */
final class RequestPolicy {

  /**
   * What the client port serves: the chat page, metrics and health answer GET and HEAD; upgrades are GETs. The HTTP
   * API, under {@link #API}, and long polling, under {@link PollEndpoint#PREFIX}, take any method to Vert.x and answer
   * each themselves.
   */
  static final String ALLOWED_METHODS = "GET, HEAD";
  static final String API = "/api/";

  /** What to do with one request. */
  sealed interface Verdict permits Passed, Refused {
  }

  /** Let the request through, to the upgrade or to Vert.x. */
  record Passed() implements Verdict {
  }

  /** Answer {@code status} with a one-line reason (and one extra header when named), then close. */
  record Refused(HttpRejection reason, HttpResponseStatus status, String text, CharSequence header, String value)
      implements Verdict {

    Refused(HttpRejection reason, HttpResponseStatus status, String text) {
      this(reason, status, text, null, null);
    }
  }

  private static final Passed PASSED = new Passed();

  private RequestPolicy() {
  }

  static Verdict check(HttpRequest request) {
    DecoderResult decoded = request.decoderResult();
    if (decoded.isFailure()) {
      return refusal(decoded.cause());
    }
    List<String> hosts = request.headers().getAll(HttpHeaderNames.HOST);
    if (hosts.size() > 1) {
      return new Refused(HttpRejection.BAD_HOST, HttpResponseStatus.BAD_REQUEST, "More than one Host header");
    } else if (hosts.isEmpty() && HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
      return new Refused(HttpRejection.NO_HOST, HttpResponseStatus.BAD_REQUEST, "An HTTP/1.1 request needs a Host header");
    } else if (!hosts.isEmpty() && HostAndPort.parseAuthority(hosts.get(0), -1) == null) {
      // Vert.x's own parser: whatever passes here, Vert.x's router takes as a valid authority.
      return new Refused(HttpRejection.BAD_HOST, HttpResponseStatus.BAD_REQUEST, "Host is not a host and port");
    } else if (!HttpMethod.GET.equals(request.method()) && !HttpMethod.HEAD.equals(request.method())
        && !request.uri().startsWith(API) && !request.uri().startsWith(PollEndpoint.PREFIX)) {
      String allowed = request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)
          ? "GET" : ALLOWED_METHODS;
      return new Refused(HttpRejection.METHOD_NOT_ALLOWED, HttpResponseStatus.METHOD_NOT_ALLOWED,
          "Only " + allowed + " is served here", HttpHeaderNames.ALLOW, allowed);
    }
    String target = request.uri();
    // A path, or an absolute URI (RFC 9112 3.2.2), as Vert.x finds the path in it; nothing else names a resource here.
    if (!target.startsWith("/") && !target.contains("://")) {
      return new Refused(HttpRejection.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "The request target is not a path");
    }
    return PASSED;
  }

  /** A request the decoder gave up on: a strict server's status for each limit, 400 for anything else. */
  private static Refused refusal(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return new Refused(HttpRejection.TOO_LARGE, HttpResponseStatus.REQUEST_URI_TOO_LONG, "Request line too long");
    } else if (cause instanceof TooLongHttpHeaderException) {
      return new Refused(HttpRejection.TOO_LARGE, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "Request headers too large");
    }
    return new Refused(HttpRejection.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "Malformed HTTP request");
  }
}
