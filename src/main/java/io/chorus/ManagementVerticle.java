package io.chorus;

import io.chorus.metrics.Failures;
import io.chorus.tls.TlsPorts;
import io.chorus.transport.HttpRoutes;
import io.chorus.transport.Internals;
import io.chorus.transport.ManagementEndpoint;
import io.chorus.transport.PlainHttpRefusal;
import io.chorus.transport.Refusals;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The management port, unless the operator asked for the main one: metrics and health only, away from clients. */
final class ManagementVerticle extends VerticleBase {

  private final ManagementEndpoint endpoint;
  private final Failures failures;
  private final String host;
  private final int port;
  private final Duration timeout;
  private final Optional<TlsPorts> tls;
  private final Refusals refusals;
  private HttpServer server;

  /**
   * @param timeout the time each request has, from the connection's opening or the last answer on it
   * @param tls     the certificate the port serves, when it serves TLS
   */
  ManagementVerticle(ManagementEndpoint endpoint, Failures failures, String host, int port, Duration timeout,
      Optional<TlsPorts> tls, Refusals refusals) {
    this.endpoint = endpoint;
    this.tls = tls;
    this.refusals = refusals;
    this.failures = failures;
    this.host = host;
    this.port = port;
    this.timeout = timeout;
  }

  @Override
  public Future<?> start() {
    HttpRoutes routes = new HttpRoutes(vertx, failures);
    endpoint.mount(routes);
    HttpServerOptions options = new HttpServerOptions()
        .setHttp2ClearTextEnabled(false)
        // Vert.x's idle timeout sees decoded requests, not bytes: a trickled request looks idle to it. Twice the
        // request deadline lets the deadline answer such a request with its 408 first; what is left to the idle
        // timeout is a connection whose answers the client does not read.
        .setIdleTimeout((int) timeout.multipliedBy(2).toMillis())
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    server = vertx.createHttpServer(tls.map(ports -> ports.secure(options)).orElse(options))
        .connectionHandler(endpoint.connections(eventLoop(), timeout))
        .requestHandler(routes.router());
    return server.listen(port, host).onSuccess(listening -> tls.ifPresent(ports -> {
      ports.serve(server);
      PlainHttpRefusal.install(server, refusals);
    }));
  }

  int actualPort() {
    return server.actualPort();
  }

  /** The event loop that answers the management port. */
  EventLoop eventLoop() {
    return Internals.eventLoop(context);
  }
}
