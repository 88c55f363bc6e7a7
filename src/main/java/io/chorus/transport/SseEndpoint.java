package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Position;
import io.chorus.hub.RoomName;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.OriginPolicy;
import io.chorus.session.Grant;
import io.chorus.session.Sessions;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The SSE transport of one gateway: {@code GET /sse/{room}} and {@code GET /sse?room=a&room=b}, either with
 * {@code since=} the position to resume from (see {@link SseEventId}). Like WebSocket upgrades, these requests are
 * taken over below Vert.x's HTTP layer (no Vert.x response object and write queue per stream), checked
 * ({@link #check}) and answered with a {@code text/event-stream} that an {@link SseConnection} writes. One per
 * gateway, touched by its event loop only.
 */
final class SseEndpoint {

  private static final String PATH = "/sse";
  /** As for a full node's WebSocket upgrades: long enough for room to free up, short enough for a reload. */
  private static final String RETRY_FULL_AFTER_SECONDS = "10";

  /** What to do with one SSE request. */
  sealed interface Verdict permits Accepted, HandshakeRefusal {
  }

  /**
   * Stream these rooms, each from its position (null: fresh), for as long as {@code grant} lasts; one connection slot
   * of the node is taken.
   */
  record Accepted(Map<String, Position> rooms, boolean pathForm, Grant grant) implements Verdict {
  }


  private final Sessions sessions;
  private final ChorusMetrics metrics;
  private final ConnectionLimit connectionLimit;
  private final Readiness readiness;
  private final OriginPolicy originPolicy;
  private final Refusals refusals;
  private final int maxRooms;
  private final int maxPendingOutput;
  private final long closeTimeoutNanos;

  SseEndpoint(ChorusConfig config, Sessions sessions, ChorusMetrics metrics, ConnectionLimit connectionLimit,
      Readiness readiness, OriginPolicy originPolicy, Refusals refusals) {
    this.sessions = sessions;
    this.metrics = metrics;
    this.connectionLimit = connectionLimit;
    this.readiness = readiness;
    this.originPolicy = originPolicy;
    this.refusals = refusals;
    this.maxRooms = config.limits().maxRoomsPerConnection();
    this.maxPendingOutput = config.limits().maxPendingOutput();
    this.closeTimeoutNanos = config.timeouts().closeTimeout().toNanos();
  }

  /** Whether the request is for this endpoint: a GET of {@code /sse} or below it. */
  static boolean claims(HttpRequest request) {
    if (!HttpMethod.GET.equals(request.method())) {
      return false;
    }
    String path = new QueryStringDecoder(request.uri()).rawPath();
    return path.equals(PATH) || path.startsWith(PATH + "/");
  }

  /**
   * The checks, cheapest first; the token and the rooms it allows, then the node's capacity, whose slot an accepted
   * request keeps. Decided at once unless the token is checked off the event loop; the future never fails.
   */
  Future<Verdict> check(HttpRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.rawPath();
    boolean pathForm = !path.equals(PATH);
    List<String> rooms = pathForm ? List.of(path.substring(PATH.length() + 1)) : uri.parameters().getOrDefault("room", List.of());
    HttpHeaders headers = request.headers();
    if (rooms.isEmpty()) {
      return immediately(new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST,
          "Name at least one room: /sse/{room} or /sse?room=a&room=b"));
    } else if (!rooms.stream().allMatch(RoomName::isValid)) {
      return immediately(new HandshakeRefusal(Handshake.INVALID_ROOM, HttpResponseStatus.BAD_REQUEST,
          "Invalid room name: use 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -"));
    } else if (rooms.size() > maxRooms || rooms.stream().distinct().count() != rooms.size()) {
      return immediately(new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST,
          "At most " + maxRooms + " distinct rooms per stream"));
    } else if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0) {
      return immediately(new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "An SSE request has no body"));
    } else if (!readiness.serving()) {
      return immediately(new HandshakeRefusal(Handshake.DRAINING, HttpResponseStatus.SERVICE_UNAVAILABLE,
          "Server is shutting down: reconnect to another node"));
    } else if (!originPolicy.allows(headers.get(HttpHeaderNames.ORIGIN), headers.get(HttpHeaderNames.HOST))) {
      return immediately(new HandshakeRefusal(Handshake.FORBIDDEN_ORIGIN, HttpResponseStatus.FORBIDDEN,
          "Origin not allowed: " + headers.get(HttpHeaderNames.ORIGIN)));
    }
    // An EventSource sends Last-Event-ID on its own reconnects only, so a page resuming a stream it did not open
    // (after a page load, or coming from a WebSocket) names the position in the query, written the same way. The
    // header wins: on a reconnect it is newer than the address the stream was opened with.
    String lastEventId = headers.get("Last-Event-ID");
    boolean fromHeader = lastEventId != null && !lastEventId.isEmpty();
    String resumeFrom = fromHeader ? lastEventId : uri.parameters().getOrDefault("since", List.of("")).get(0);
    Map<String, Position> positions;
    try {
      positions = SseEventId.parse(resumeFrom, rooms, pathForm);
    } catch (IllegalArgumentException badId) {
      return immediately(new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST,
          "Invalid " + (fromHeader ? "Last-Event-ID" : "since") + ": " + badId.getMessage()));
    }
    Map<String, Position> resumed = positions;
    return Admission.check(sessions.authenticator(), uri.parameters().getOrDefault("token", List.of()),
        headers.get(HttpHeaderNames.AUTHORIZATION), rooms, false).map(admission -> {
          if (admission instanceof HandshakeRefusal refused) {
            return refused;
          } else if (!connectionLimit.tryOpenWebSocket()) {
            return new HandshakeRefusal(Handshake.NODE_FULL, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "Server is full: try again later or another node",
                HttpHeaderNames.RETRY_AFTER, RETRY_FULL_AFTER_SECONDS);
          }
          return new Accepted(resumed, pathForm, ((Admission.Admitted) admission).grant());
        });
  }

  /**
   * Puts an SseConnection, with its session, in place of the handler that took the request over, answers with the
   * stream's head, and starts the session once the head is written. Vert.x's HTTP connection stays last in the
   * pipeline, idle: it never saw the request.
   */
  void open(ChannelHandlerContext takenOver, HttpRequest request, Accepted accepted) {
    ChannelPipeline pipeline = takenOver.pipeline();
    // Vert.x's idle timeout watched the HTTP connection; a quiet stream is kept alive by the heartbeat's comments.
    Internals.removeIdleTimeout(pipeline);
    SseConnection connection = new SseConnection(this, new LinkedHashMap<>(accepted.rooms()), accepted.pathForm(),
        HttpVersion.HTTP_1_1.equals(request.protocolVersion()));
    connection.serve(sessions.openStream(connection, accepted.rooms(), accepted.grant()));
    pipeline.replace(takenOver.handler(), "chorus-sse", connection);
    metrics.sseRequest(Handshake.ACCEPTED);
    metrics.streamOpened();
    pipeline.context(connection).writeAndFlush(head(request)).addListener(written -> {
      if (written.isSuccess()) {
        connection.start();
      } else {
        pipeline.channel().close();
      }
    });
  }

  /**
   * The stream's head: never cached nor buffered by a proxy (nginx reads {@code X-Accel-Buffering}), never
   * compressed (Vert.x's compression is off on this port), readable by the pages the origin policy allows.
   */
  private static HttpResponse head(HttpRequest request) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    HttpHeaders headers = head.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
        .set("X-Accel-Buffering", "no");
    if (HttpVersion.HTTP_1_1.equals(request.protocolVersion())) {
      headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
    } else {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    String origin = request.headers().get(HttpHeaderNames.ORIGIN);
    if (origin != null) {
      headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
          .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
          .set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
    }
    return head;
  }

  private static Future<Verdict> immediately(HandshakeRefusal refused) {
    return Future.succeededFuture(refused);
  }

  /** An accepted request whose connection went away before the stream could be opened: its slot is given back. */
  void release() {
    connectionLimit.closeWebSocket();
  }

  /** An SSE stream ended. */
  void closed() {
    connectionLimit.closeWebSocket();
    metrics.streamClosed();
  }

  ChorusMetrics metrics() {
    return metrics;
  }

  int maxPendingOutput() {
    return maxPendingOutput;
  }

  long closeTimeoutNanos() {
    return closeTimeoutNanos;
  }

  Refusals refusals() {
    return refusals;
  }
}
