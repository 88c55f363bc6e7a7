package io.chorus;

import io.chorus.bus.RoomBus;
import io.chorus.config.ChorusConfig;
import io.chorus.hub.Hub;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.ConnectionLimit;
import io.chorus.transport.ChatPageEndpoint;
import io.chorus.transport.ManagementEndpoint;
import io.chorus.transport.Readiness;
import io.chorus.transport.WebSocketEndpoint;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.Router;

import java.util.concurrent.TimeUnit;

/**
 * One gateway per event loop. It owns the connections its loop accepts and the hub they fan out through; all
 * gateways share one listening port, and Vert.x spreads accepted connections over them.
 */
final class GatewayVerticle extends VerticleBase {

  private final ChorusConfig config;
  private final String nodeId;
  private final ChorusMetrics metrics;
  private final ManagementEndpoint management;
  private final ConnectionLimit connectionLimit;
  private final Readiness readiness;
  private HttpServer server;
  private WebSocketEndpoint webSockets;

  /**
   * @param management mounted on this gateway's port unless the configuration gives it a port of its own
   */
  GatewayVerticle(ChorusConfig config, String nodeId, ChorusMetrics metrics, ManagementEndpoint management,
      ConnectionLimit connectionLimit, Readiness readiness) {
    this.config = config;
    this.nodeId = nodeId;
    this.metrics = metrics;
    this.management = management;
    this.connectionLimit = connectionLimit;
    this.readiness = readiness;
  }

  @Override
  public Future<?> start() {
    EventLoop eventLoop = ((ContextInternal) context).nettyEventLoop();
    Hub hub = new Hub(new RoomBus(vertx.eventBus()), nodeId, eventLoop, PooledByteBufAllocator.DEFAULT, metrics);
    webSockets = new WebSocketEndpoint(config, hub, metrics, connectionLimit, readiness, eventLoop);
    ChatPageEndpoint chatPage = new ChatPageEndpoint();

    Router router = Router.router(vertx);
    router.get("/").handler(chatPage::page);
    router.get("/chat.js").handler(chatPage::script);
    router.get("/chat.css").handler(chatPage::style);
    if (config.managementPort().isEmpty()) {
      management.mount(router);
    }

    // Upgrades skip the router: they need the connection itself, not a routing context.
    server = vertx.createHttpServer(httpOptions()).connectionHandler(webSockets::accepted).requestHandler(request -> {
      webSockets.requestArrived(request);
      if (WebSocketEndpoint.isUpgrade(request)) {
        webSockets.upgrade(request);
      } else {
        router.handle(request);
      }
    });
    return server.listen();
  }

  /** The port this gateway listens on, resolved when it was asked for port 0. */
  int actualPort() {
    return server.actualPort();
  }

  /**
   * Closes every connection of this gateway with 1001, spread over the drain period so that clients reconnect
   * elsewhere without a thundering herd; completes when the last one is gone.
   */
  Future<Void> drain() {
    return webSockets.drain(config.timeouts().drainPeriod());
  }

  private HttpServerOptions httpOptions() {
    return new HttpServerOptions()
        .setHost(config.host())
        // Port 0 asks for a free port; Vert.x shares a random port among its servers only when asked with -1.
        .setPort(config.port() == 0 ? -1 : config.port())
        .setAcceptBacklog(8192)
        .setTcpNoDelay(true)
        // Idle keep-alive HTTP connections close after the idle timeout; upgraded ones drop this for the heartbeat.
        .setIdleTimeout((int) config.timeouts().idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setCompressionSupported(false)
        // HTTP/1.1 only: WebSockets upgrade from it, and an h2c upgrade would only add attack surface.
        .setHttp2ClearTextEnabled(false)
        // Compression would deflate every broadcast once per connection; off until a setting turns it on.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // A frame can never be larger than a message; Netty refuses oversized frames before buffering them.
        .setMaxWebSocketFrameSize(config.limits().maxMessageSize())
        .setMaxWebSocketMessageSize(config.limits().maxMessageSize())
        .setWebSocketClosingTimeout((int) config.timeouts().closeTimeout().toSeconds());
  }
}
