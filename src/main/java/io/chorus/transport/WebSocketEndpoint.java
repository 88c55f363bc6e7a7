package io.chorus.transport;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.CloseReason;
import io.chorus.hub.Hub;
import io.chorus.hub.OutboundMessage;
import io.chorus.hub.RoomName;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Handshake;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.json.JsonObject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Upgrades requests to WebSocket connections in plain mode: the room comes from the path, the client gets the
 * welcome message, and every frame it sends is broadcast to its room. One per gateway, touched by its event loop only.
 */
public final class WebSocketEndpoint {

  private static final String ROOM_PATH = "/ws/";

  /** How long a closing handshake may take before the TCP connection is closed regardless. */
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

  private final Hub hub;
  private final ChorusMetrics metrics;
  private final OutboundMessage welcome;
  private final int maxMessageSize;
  private final List<WebSocketConnection> connections = new ArrayList<>();
  private Promise<Void> allClosed;

  public WebSocketEndpoint(ChorusConfig config, Hub hub, ChorusMetrics metrics) {
    this.hub = hub;
    this.metrics = metrics;
    this.welcome = OutboundMessage.constant(
        new JsonObject().put("type", "welcome").put("message", config.welcomeMessage()).encode());
    this.maxMessageSize = config.maxMessageSize();
  }

  public static boolean isUpgrade(HttpServerRequest request) {
    String upgrade = request.getHeader(HttpHeaders.UPGRADE);
    return upgrade != null && upgrade.equalsIgnoreCase("websocket");
  }

  /**
   * Upgrades a request to {@code /} or {@code /ws} (the lobby) or {@code /ws/{room}}. The room is the rest of the
   * raw path, checked before anything else; other paths are not found.
   */
  public void upgrade(HttpServerRequest request) {
    String path = request.path();
    if (path.equals("/") || path.equals("/ws")) {
      upgrade(request, RoomName.DEFAULT);
    } else if (path.startsWith(ROOM_PATH)) {
      upgrade(request, path.substring(ROOM_PATH.length()));
    } else {
      metrics.handshake(Handshake.NOT_FOUND);
      request.response().setStatusCode(404).end("No WebSocket endpoint at " + path + ": use / or /ws/{room}\n");
    }
  }

  /** Open connections on this event loop. */
  public int connectionCount() {
    return connections.size();
  }

  /** Closes every connection of this event loop with the given reason; completes when the last one is gone. */
  public Future<Void> closeAll(CloseReason reason) {
    if (allClosed == null) {
      allClosed = Promise.promise();
    }
    for (WebSocketConnection connection : List.copyOf(connections)) {
      connection.close(reason);
    }
    completeIfAllClosed();
    return allClosed.future();
  }

  private void upgrade(HttpServerRequest request, String room) {
    if (!RoomName.isValid(room)) {
      metrics.handshake(Handshake.INVALID_ROOM);
      request.response().setStatusCode(400)
          .end("Invalid room name: use 1 to " + RoomName.MAX_LENGTH + " characters from A-Z a-z 0-9 . _ -\n");
      return;
    }
    // On failure Vert.x has already answered the client (400, 405 or 426) and closed the request.
    request.toWebSocket().onComplete(upgraded -> {
      if (upgraded.succeeded()) {
        open(upgraded.result(), room);
      } else {
        metrics.handshake(Handshake.BAD_REQUEST);
      }
    });
  }

  private void open(ServerWebSocket webSocket, String room) {
    ChannelHandlerContext vertxHandler = ((WebSocketInternal) webSocket).channelHandlerContext();
    WebSocketConnection connection = new WebSocketConnection(this, room);
    vertxHandler.pipeline().addBefore(vertxHandler.name(), "chorus", connection);
    connection.slot = connections.size();
    connections.add(connection);
    metrics.handshake(Handshake.ACCEPTED);
    metrics.connectionOpened();
    connection.join(hub.join(room, connection), welcome);
  }

  void forget(WebSocketConnection connection, int closeCode) {
    int slot = connection.slot;
    if (slot < 0) {
      return;
    }
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

  int maxMessageSize() {
    return maxMessageSize;
  }

  Duration closeTimeout() {
    return CLOSE_TIMEOUT;
  }
}
