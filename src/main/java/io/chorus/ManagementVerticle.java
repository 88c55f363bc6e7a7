package io.chorus;

import io.chorus.transport.HttpRoutes;
import io.chorus.transport.Internals;
import io.chorus.transport.ManagementEndpoint;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

/** The management port, unless the operator asked for the main one: metrics and health only, away from clients. */
final class ManagementVerticle extends VerticleBase {

  private final ManagementEndpoint endpoint;
  private final String host;
  private final int port;
  private HttpServer server;

  ManagementVerticle(ManagementEndpoint endpoint, String host, int port) {
    this.endpoint = endpoint;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    HttpRoutes routes = new HttpRoutes(vertx);
    endpoint.mount(routes);
    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false))
        .requestHandler(routes.router());
    return server.listen(port, host);
  }

  int actualPort() {
    return server.actualPort();
  }

  /** The event loop that answers the management port. */
  EventLoop eventLoop() {
    return Internals.eventLoop(context);
  }
}
