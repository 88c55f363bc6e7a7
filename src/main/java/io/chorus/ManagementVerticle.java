package io.chorus;

import io.chorus.transport.ManagementEndpoint;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.ext.web.Router;

/** The management port, when one is set: metrics and health only, away from the port clients reach. */
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
    Router router = Router.router(vertx);
    endpoint.mount(router);
    server = vertx.createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(false)).requestHandler(router);
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
