package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.config.SlowConsumerPolicy;
import io.chorus.hub.CloseReason;
import io.chorus.hub.Hub;
import io.chorus.hub.OutboundMessage;
import io.chorus.hub.RoomName;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.OriginPolicy;
import io.chorus.security.RateLimit;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Upgrades requests to WebSocket connections in plain mode, after checking them in order: path, room name,
 * draining, origin, protocol version and key, capacity. Each refusal is an HTTP status with a one-line reason, sent
 * before any upgrade. Then it owns the connections: their heartbeat, and their spread-out closing at shutdown. One per
 * gateway, touched by its event loop only.
 */
public final class WebSocketEndpoint {

  private static final Logger log = LoggerFactory.getLogger(WebSocketEndpoint.class);
  private static final String ROOM_PATH = "/ws/";
  /** Spread-out closing at shutdown closes a batch of connections on each tick of this length. */
  private static final long DRAIN_TICK_MILLIS = 50;

  private final Hub hub;
  private final ChorusMetrics metrics;
  private final ConnectionLimit connectionLimit;
  private final Readiness readiness;
  private final EventLoop eventLoop;
  private final OutboundMessage welcome;
  private final OriginPolicy originPolicy;
  private final RateLimit rateLimit;
  private final HttpConnectionGuard guard;
  private final int maxMessageSize;
  private final int maxPendingOutput;
  private final boolean disconnectSlowConsumers;
  private final long pingIntervalNanos;
  private final long idleTimeoutNanos;
  private final long closeTimeoutNanos;
  private final List<WebSocketConnection> connections = new ArrayList<>();
  private long now = System.nanoTime();
  private Promise<Void> allClosed;

  /**
   * @param eventLoop the gateway's event loop: timers for heartbeats, handshake deadlines and draining run on it
   */
  public WebSocketEndpoint(ChorusConfig config, Hub hub, ChorusMetrics metrics, ConnectionLimit connectionLimit,
      Readiness readiness, EventLoop eventLoop) {
    this.hub = hub;
    this.metrics = metrics;
    this.connectionLimit = connectionLimit;
    this.readiness = readiness;
    this.eventLoop = eventLoop;
    this.welcome = OutboundMessage.constant(
        new JsonObject().put("type", "welcome").put("message", config.welcomeMessage()).encode());
    this.originPolicy = new OriginPolicy(config.allowedOrigins());
    this.rateLimit = config.limits().rateLimit() == 0
        ? null
        : new RateLimit(config.limits().rateLimit(), config.limits().rateLimitBurst());
    this.guard = new HttpConnectionGuard(connectionLimit, metrics, config.timeouts().handshakeTimeout().toNanos());
    this.maxMessageSize = config.limits().maxMessageSize();
    this.maxPendingOutput = config.limits().maxPendingOutput();
    this.disconnectSlowConsumers = config.limits().slowConsumerPolicy() == SlowConsumerPolicy.DISCONNECT;
    this.pingIntervalNanos = config.timeouts().pingInterval().toNanos();
    this.idleTimeoutNanos = config.timeouts().idleTimeout().toNanos();
    this.closeTimeoutNanos = config.timeouts().closeTimeout().toNanos();
    long tick = Math.max(10, Math.min(1_000, Math.min(config.timeouts().pingInterval().toMillis(),
        config.timeouts().handshakeTimeout().toMillis()) / 10));
    eventLoop.scheduleAtFixedRate(this::tick, tick, tick, TimeUnit.MILLISECONDS);
  }

  public static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /** A TCP connection was accepted on this gateway. */
  public void accepted(HttpConnection connection) {
    guard.accepted(connection, now);
  }

  /** A complete request head arrived; the handshake timeout no longer applies to its connection. */
  public void requestArrived(HttpServerRequest request) {
    guard.requestArrived(request.connection());
  }

  /**
   * Upgrades a request to {@code /} or {@code /ws} (the lobby) or {@code /ws/{room}}. The room is the rest of the
   * raw path; other paths are not found.
   */
  public void upgrade(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/") || path.equals("/ws")) {
      upgrade(request, RoomName.DEFAULT);
    } else if (path.startsWith(ROOM_PATH)) {
      upgrade(request, path.substring(ROOM_PATH.length()));
    } else {
      refuse(request, Handshake.NOT_FOUND, 404, "No WebSocket endpoint at " + path + ": use / or /ws/{room}");
    }
  }

  /** Open connections on this event loop. */
  public int connectionCount() {
    return connections.size();
  }

  /**
   * Closes every connection of this event loop with 1001, spread evenly over {@code period} so that clients do not
   * all reconnect at once; completes when the last one is gone.
   */
  public Future<Void> drain(Duration period) {
    Promise<Void> drained = Promise.promise();
    eventLoop.execute(() -> {
      allClosed = drained;
      List<WebSocketConnection> closing = List.copyOf(connections);
      long start = System.nanoTime();
      long periodNanos = Math.max(1, period.toNanos());
      int[] closed = {0};
      Runnable batch = () -> {
        long elapsed = System.nanoTime() - start;
        int due = (int) Math.min(closing.size(), Math.ceil(closing.size() * (double) elapsed / periodNanos));
        while (closed[0] < due) {
          closing.get(closed[0]++).close(CloseReason.GOING_AWAY);
        }
      };
      if (period.isZero() || closing.isEmpty()) {
        closing.forEach(connection -> connection.close(CloseReason.GOING_AWAY));
      } else {
        var timer = eventLoop.scheduleAtFixedRate(batch, 0, DRAIN_TICK_MILLIS, TimeUnit.MILLISECONDS);
        drained.future().onComplete(done -> timer.cancel(false));
      }
      completeIfAllClosed();
    });
    return drained.future();
  }

  private void upgrade(HttpServerRequest request, String room) {
    if (!RoomName.isValid(room)) {
      refuse(request, Handshake.INVALID_ROOM, 400,
          "Invalid room name: use 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -");
    } else if (readiness.state() != Readiness.State.READY) {
      refuse(request, Handshake.DRAINING, 503, "Server is shutting down: reconnect to another node");
    } else if (!originPolicy.allows(request.getHeader(HttpHeaders.ORIGIN), request.getHeader(HttpHeaders.HOST))) {
      refuse(request, Handshake.FORBIDDEN_ORIGIN, 403, "Origin not allowed: " + request.getHeader(HttpHeaders.ORIGIN));
    } else if (!"13".equals(request.getHeader(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
      request.response().putHeader(HttpHeaderNames.SEC_WEBSOCKET_VERSION, "13");
      refuse(request, Handshake.BAD_REQUEST, 426, "Unsupported WebSocket version: use 13 (RFC 6455)");
    } else if (!isValidKey(request.getHeader(HttpHeaderNames.SEC_WEBSOCKET_KEY))) {
      refuse(request, Handshake.BAD_REQUEST, 400, "Missing or invalid Sec-WebSocket-Key");
    } else if (!connectionLimit.tryOpenWebSocket()) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, "10");
      refuse(request, Handshake.NODE_FULL, 503, "Server is full: try again later or another node");
    } else {
      request.toWebSocket().onComplete(upgraded -> {
        if (upgraded.succeeded()) {
          open(upgraded.result(), room);
        } else {
          // Vert.x has already answered the client (400 or 405) and closed the request.
          connectionLimit.closeWebSocket();
          metrics.handshake(Handshake.BAD_REQUEST);
        }
      });
    }
  }

  private void refuse(HttpServerRequest request, Handshake outcome, int status, String reason) {
    metrics.handshake(outcome);
    request.response().setStatusCode(status).putHeader(HttpHeaders.CONNECTION, "close").end(reason + "\n");
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

  private void open(ServerWebSocket webSocket, String room) {
    ChannelHandlerContext vertxHandler = ((WebSocketInternal) webSocket).channelHandlerContext();
    ChannelPipeline pipeline = vertxHandler.pipeline();
    // The handshake timeout was the HTTP idle timeout; from now on the heartbeat watches the connection.
    if (pipeline.get("idle") != null) {
      pipeline.remove("idle");
    }
    WebSocketConnection connection = new WebSocketConnection(this, room,
        rateLimit == null ? null : rateLimit.newLimiter());
    pipeline.addBefore(vertxHandler.name(), "chorus", connection);
    connection.slot = connections.size();
    connections.add(connection);
    metrics.handshake(Handshake.ACCEPTED);
    metrics.connectionOpened();
    connection.join(hub.join(room, connection), welcome);
  }

  /** The heartbeat: a periodic task that Netty would silently stop scheduling if it ever threw. */
  private void tick() {
    try {
      now = System.nanoTime();
      guard.closeExpired(now);
      for (int i = connections.size() - 1; i >= 0; i--) {
        connections.get(i).heartbeat(now);
      }
    } catch (RuntimeException e) {
      log.error("Heartbeat tick failed; it runs again in a moment", e);
    }
  }

  void forget(WebSocketConnection connection, int closeCode) {
    int slot = connection.slot;
    if (slot < 0) {
      return;
    }
    connectionLimit.closeWebSocket();
    metrics.connectionClosed(closeCode);
    WebSocketConnection last = connections.remove(connections.size() - 1);
    if (last != connection) {
      connections.set(slot, last);
      last.slot = slot;
    }
    connection.slot = -1;
    completeIfAllClosed();
  }

  private void completeIfAllClosed() {
    if (allClosed != null && connections.isEmpty()) {
      allClosed.tryComplete();
    }
  }

  Hub hub() {
    return hub;
  }

  ChorusMetrics metrics() {
    return metrics;
  }

  /** The event loop's clock, read at its last heartbeat tick: cheap enough for every frame. */
  long now() {
    return now;
  }

  int maxMessageSize() {
    return maxMessageSize;
  }

  int maxPendingOutput() {
    return maxPendingOutput;
  }

  boolean disconnectsSlowConsumers() {
    return disconnectSlowConsumers;
  }

  long pingIntervalNanos() {
    return pingIntervalNanos;
  }

  long idleTimeoutNanos() {
    return idleTimeoutNanos;
  }

  long closeTimeoutNanos() {
    return closeTimeoutNanos;
  }
}
