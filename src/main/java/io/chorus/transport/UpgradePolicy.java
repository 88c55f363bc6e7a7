package io.chorus.transport;

import io.chorus.hub.RoomName;
import io.chorus.session.Protocol;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.OriginPolicy;
import io.chorus.session.Authenticator;
import io.chorus.session.Grant;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Future;

import java.util.Base64;
import java.util.List;

/**
 * The checks a WebSocket upgrade request must pass, once {@link RequestPolicy} has passed it as an HTTP request (a
 * GET or HEAD with one valid Host), cheapest first: path, room name, method (GET only), version and body, draining,
 * origin, protocol version and key, the token and the room it allows ({@link Admission}), and last the node's
 * capacity, whose slot an accepted request keeps.
 */
final class UpgradePolicy {

  private static final String ROOM_PATH = "/ws/";
  /**
   * Seconds a client refused for a full node should wait: long enough for connections to leave or for the load
   * balancer to send it elsewhere, short enough for a chat user who presses reload.
   */
  static final String RETRY_FULL_AFTER_SECONDS = "10";

  /** What to do with one upgrade request. */
  sealed interface Verdict permits Accepted, HandshakeRefusal {
  }

  /**
   * Upgrade, speaking {@code protocol}; {@code room} is the room the path names, or null for {@code /} and
   * {@code /ws}; {@code grant} is what its token allows, null when a chorus.v1 connect must still bring one. One
   * WebSocket slot of the node's budget is taken.
   */
  record Accepted(String room, Protocol protocol, Grant grant) implements Verdict {
  }


  private final OriginPolicy originPolicy;
  private final Readiness readiness;
  private final ConnectionLimit connectionLimit;
  private final Authenticator authenticator;

  UpgradePolicy(OriginPolicy originPolicy, Readiness readiness, ConnectionLimit connectionLimit,
      Authenticator authenticator) {
    this.originPolicy = originPolicy;
    this.readiness = readiness;
    this.connectionLimit = connectionLimit;
    this.authenticator = authenticator;
  }

  /**
   * Requests for {@code /} or {@code /ws} (the lobby) or {@code /ws/{room}}, the room being the rest of the raw path.
   * Decided at once, except when the token's signature is checked off the event loop: then the future completes on
   * it later, and never fails.
   */
  Future<Verdict> check(HttpRequest request) {
    HandshakeRefusal early = refusal(request);
    if (early != null) {
      return Future.succeededFuture(early);
    }
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    String path = uri.rawPath();
    String room = path.startsWith(ROOM_PATH) ? path.substring(ROOM_PATH.length()) : null;
    Protocol protocol = protocol(request.headers());
    // Plain mode joins the lobby on / and /ws; chorus.v1 joins no room there.
    List<String> rooms = room == null && protocol == Protocol.STRUCTURED ? List.of()
        : List.of(room == null ? RoomName.DEFAULT : room);
    return Admission.check(authenticator, uri.parameters().getOrDefault("token", List.of()),
        request.headers().get(HttpHeaderNames.AUTHORIZATION), rooms, protocol == Protocol.STRUCTURED)
        .map(admission -> {
          if (admission instanceof HandshakeRefusal refused) {
            return refused;
          } else if (!connectionLimit.tryOpenWebSocket()) {
            return new HandshakeRefusal(Handshake.NODE_FULL, HttpResponseStatus.SERVICE_UNAVAILABLE,
                "Server is full: try again later or another node", HttpHeaderNames.RETRY_AFTER,
                RETRY_FULL_AFTER_SECONDS);
          }
          return new Accepted(room, protocol, ((Admission.Admitted) admission).grant());
        });
  }

  /** The checks of the request itself, before its token: the refusal, or null when it passes them. */
  private HandshakeRefusal refusal(HttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).rawPath();
    boolean lobby = path.equals("/") || path.equals("/ws");
    String room = lobby ? RoomName.DEFAULT : path.startsWith(ROOM_PATH) ? path.substring(ROOM_PATH.length()) : null;
    HttpHeaders headers = request.headers();
    if (room == null) {
      return new HandshakeRefusal(Handshake.NOT_FOUND, HttpResponseStatus.NOT_FOUND,
          "No WebSocket endpoint at " + path + ": use / or /ws/{room}");
    } else if (!RoomName.isValid(room)) {
      return new HandshakeRefusal(Handshake.INVALID_ROOM, HttpResponseStatus.BAD_REQUEST,
          "Invalid room name: use 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (!HttpMethod.GET.equals(request.method())) {
      return new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.METHOD_NOT_ALLOWED, "WebSocket upgrades use GET",
          HttpHeaderNames.ALLOW, "GET");
    } else if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())
        || !headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
      return new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST,
          "A WebSocket upgrade needs HTTP/1.1 and Connection: Upgrade");
    } else if (HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) != 0) {
      // The WebSocket decoder takes over right after the head: a body would be read as frames.
      return new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "A WebSocket upgrade has no body");
    } else if (!readiness.serving()) {
      return new HandshakeRefusal(Handshake.DRAINING, HttpResponseStatus.SERVICE_UNAVAILABLE,
          "Server is shutting down: reconnect to another node");
    } else if (!originPolicy.allows(headers.get(HttpHeaderNames.ORIGIN), headers.get(HttpHeaderNames.HOST))) {
      return new HandshakeRefusal(Handshake.FORBIDDEN_ORIGIN, HttpResponseStatus.FORBIDDEN,
          "Origin not allowed: " + headers.get(HttpHeaderNames.ORIGIN));
    } else if (!"13".equals(headers.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      return new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.UPGRADE_REQUIRED,
          "Unsupported WebSocket version: use 13 (RFC 6455)", HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
    } else if (!isValidKey(headers.get(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
      return new HandshakeRefusal(Handshake.BAD_REQUEST, HttpResponseStatus.BAD_REQUEST, "Missing or invalid Sec-WebSocket-Key");
    }
    return null;
  }

  /**
   * chorus.v1 when the client offers it among its sub-protocols (RFC 6455 4.1: the header may repeat, each a
   * comma-separated list); plain mode otherwise, whatever else it offers.
   */
  private static Protocol protocol(HttpHeaders headers) {
    for (String offer : headers.getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
      for (String name : offer.split(",")) {
        if (name.trim().equals(Protocol.STRUCTURED.subprotocol())) {
          return Protocol.STRUCTURED;
        }
      }
    }
    return Protocol.PLAIN;
  }

  /** RFC 6455 4.2.1: the key is 16 random bytes in base64. */
  private static boolean isValidKey(String key) {
    if (key == null || key.length() != 24) {
      return false;
    }
    try {
      return Base64.getDecoder().decode(key).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }
}
