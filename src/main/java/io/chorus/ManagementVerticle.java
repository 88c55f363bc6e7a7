package io.chorus;

import io.chorus.metrics.Failures;
import io.chorus.transport.HttpRoutes;
import io.chorus.transport.ManagementEndpoint;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;

/** The management port, unless the operator asked for the main one: metrics and health only, away from clients. */
final class ManagementVerticle extends VerticleBase {

  private final ManagementEndpoint endpoint;
  private final Failures failures;
  private final String host;
  private final int port;
  private HttpServer server;

  ManagementVerticle(ManagementEndpoint endpoint, Failures failures, String host, int port) {
    this.endpoint = endpoint;
    this.failures = failures;
    this.host = host;
    this.port = port;
  }

  @Override
  public Future<?> start() {
    HttpRoutes routes = new HttpRoutes(vertx, failures);
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
    return ((ContextInternal) context).nettyEventLoop();
  }
}
