package io.chorus;

import io.chorus.config.ChorusConfig;
import io.chorus.hub.Broker;
import io.chorus.hub.Census;
import io.chorus.hub.FlushTiming;
import io.chorus.hub.Hub;
import io.chorus.hub.Presence;
import io.chorus.metrics.ChorusMetrics;
import io.chorus.security.ApiKeys;
import io.chorus.security.ConnectionLimit;
import io.chorus.security.InputBudget;
import io.chorus.session.Authenticator;
import io.chorus.session.Sessions;
import io.chorus.session.TokenKeys;
import io.chorus.tls.TlsPorts;
import io.chorus.transport.ApiEndpoint;
import io.chorus.transport.ApiGate;
import io.chorus.transport.ChatPageEndpoint;
import io.chorus.transport.HttpRoutes;
import io.chorus.transport.Internals;
import io.chorus.transport.Liveness;
import io.chorus.transport.ManagementEndpoint;
import io.chorus.transport.PlainHttpRefusal;
import io.chorus.transport.PollEndpoint;
import io.chorus.transport.Readiness;
import io.chorus.transport.Refusals;
import io.chorus.transport.WebSocketEndpoint;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One gateway per event loop. It owns the connections its loop accepts and the hub they fan out through; all
 * gateways share one listening port, and Vert.x spreads accepted connections over them.
 */
final class GatewayVerticle extends VerticleBase {

  /**
   * Connections the kernel may queue for the acceptor. After a node loss thousands of clients reconnect within a
   * second; a full queue drops their SYNs and they wait out a retransmission timeout (1 s, then 3 s). The kernel caps
   * it at net.core.somaxconn (4,096 by default since Linux 5.4), so raising that sysctl takes effect without a
   * rebuild.
   */
  private static final int ACCEPT_BACKLOG = 8192;

  private final ChorusConfig config;
  private final ChorusMetrics metrics;
  private final ManagementEndpoint management;
  private final ConnectionLimit connectionLimit;
  private final Readiness readiness;
  private final Refusals refusals;
  private final InputBudget inputBudget;
  private final Liveness liveness;
  private final Broker broker;
  private final Census census;
  private final ApiKeys apiKeys;
  private final TokenKeys tokenKeys;
  private final Presence presence;
  private final Optional<TlsPorts> tls;
  private HttpServer server;
  private EventLoop eventLoop;
  private Sessions sessions;
  private WebSocketEndpoint webSockets;
  private PollEndpoint polls;
  private Authenticator authenticator;

  /**
   * @param management mounted on this gateway's port only when the configuration asks for it there
   * @param broker     the node's streams and bus, shared by every gateway
   * @param census     counts the rooms' subscribers over the node's hubs (and the cluster's), shared by every gateway
   * @param apiKeys    the keys the HTTP API (and /metrics on this port) asks for, shared by every gateway
   * @param tokenKeys  the keys that verify connection tokens, shared by every gateway
   * @param presence   who is in each room, on the node (and the cluster), shared by every gateway
   * @param tls        the certificate the port serves, when it serves TLS
   */
  GatewayVerticle(ChorusConfig config, ChorusMetrics metrics, ManagementEndpoint management,
      ConnectionLimit connectionLimit, Readiness readiness, Refusals refusals, InputBudget inputBudget,
      Liveness liveness, Broker broker, Census census, ApiKeys apiKeys, TokenKeys tokenKeys, Presence presence,
      Optional<TlsPorts> tls) {
    this.config = config;
    this.apiKeys = apiKeys;
    this.tokenKeys = tokenKeys;
    this.tls = tls;
    this.broker = broker;
    this.census = census;
    this.presence = presence;
    this.metrics = metrics;
    this.management = management;
    this.connectionLimit = connectionLimit;
    this.readiness = readiness;
    this.refusals = refusals;
    this.inputBudget = inputBudget;
    this.liveness = liveness;
  }

  @Override
  public Future<?> start() {
    eventLoop = Internals.eventLoop(context);
    Hub hub = new Hub(broker, eventLoop, FlushTiming.of(eventLoop, config.timeouts().writeDelay()),
        PooledByteBufAllocator.DEFAULT, metrics, config.retention().historySize());
    census.add(hub);
    authenticator = new Authenticator(vertx, tokenKeys, eventLoop);
    sessions = new Sessions(config, hub, presence, metrics, eventLoop, authenticator);
    webSockets = new WebSocketEndpoint(config, sessions, metrics, connectionLimit, readiness, refusals,
        inputBudget, liveness.register());
    ChatPageEndpoint chatPage = new ChatPageEndpoint();
    ApiGate apiGate = new ApiGate(config, readiness, metrics, apiKeys,
        config.authentication().enabled() ? authenticator : null);
    polls = new PollEndpoint(config, hub, apiGate, connectionLimit, authenticator, metrics, eventLoop);

    HttpRoutes routes = new HttpRoutes(vertx, metrics.failures())
        .get("/", chatPage::page)
        .get("/chat.js", chatPage::script)
        .get("/chat.css", chatPage::style)
        .get("/chorus.js", chatPage::client)
        .any("/api/*", new ApiEndpoint(config, hub, census, presence, apiGate)::handle)
        .any("/poll/*", polls::handle);
    if (config.managementPort().isEmpty()) {
      management.mount(routes, apiGate);
    }

    // WebSocket upgrades never reach the router: WebSocketUpgrade takes them over below Vert.x's HTTP layer.
    HttpServerOptions options = tls.map(ports -> ports.secure(httpOptions())).orElseGet(this::httpOptions);
    server = vertx.createHttpServer(options).connectionHandler(webSockets::accepted)
        .requestHandler(routes.router());
    return server.listen().onSuccess(listening -> tls.ifPresent(ports -> {
      ports.serve(server);
      PlainHttpRefusal.install(server, refusals);
      webSockets.servesTls(server, eventLoop);
    }));
  }

  @Override
  public Future<?> stop() {
    authenticator.close();
    return Future.succeededFuture();
  }

  EventLoop eventLoop() {
    return eventLoop;
  }

  /** The port this gateway listens on, resolved when it was asked for port 0. */
  int actualPort() {
    return server.actualPort();
  }

  /**
   * Answers every held poll at once, and closes every connection of this gateway with 1001, spread over the drain
   * period so that clients reconnect elsewhere without a thundering herd; completes when the last one is gone.
   */
  Future<Void> drain() {
    eventLoop.execute(polls::drain);
    return sessions.drain(config.timeouts().drainPeriod());
  }

  private HttpServerOptions httpOptions() {
    return new HttpServerOptions()
        .setHost(config.host())
        // Port 0 asks for a free port; Vert.x shares a random port among its servers only when asked with -1.
        .setPort(config.port() == 0 ? -1 : config.port())
        .setAcceptBacklog(ACCEPT_BACKLOG)
        .setTcpNoDelay(true)
        // Every handler runs on the connection's event loop: no cross-thread write queue per HTTP connection.
        .setStrictThreadMode(true)
        // Idle keep-alive HTTP connections close after the idle timeout; upgraded ones drop this for the heartbeat.
        .setIdleTimeout((int) config.timeouts().idleTimeout().toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
        .setCompressionSupported(false)
        // Without these Vert.x would add permessage-deflate to Chorus's 101 answers, and browsers would compress
        // frames that Chorus broadcasts byte for byte; compressing once per connection would cost every broadcast.
        .setPerMessageWebSocketCompressionSupported(false)
        .setPerFrameWebSocketCompressionSupported(false)
        // HTTP/1.1 only: WebSockets upgrade from it, and an h2c upgrade would only add attack surface.
        .setHttp2ClearTextEnabled(false);
  }
}
