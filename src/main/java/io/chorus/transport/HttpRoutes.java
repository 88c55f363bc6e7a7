package io.chorus.transport;

import io.chorus.metrics.Failures;
import io.chorus.metrics.Where;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The plain HTTP resources of one port, read-only but for the HTTP API: each answers GET and HEAD (RFC 9110 9.1: a
 * server supports both). Any other method gets here only for the HTTP API and long polling, which answer every
 * method themselves; elsewhere {@link RequestPolicy} answers it with 405 and {@code Allow} on both ports.
 * A route that fails unexpectedly answers 500, and its exception is counted and logged once a minute at most.
 */
public final class HttpRoutes {

  private final Router router;

  public HttpRoutes(Vertx vertx, Failures failures) {
    router = Router.router(vertx);
    router.errorHandler(500, routing -> {
      if (routing.failure() != null) {
        failures.report(Where.HTTP, routing.failure());
      }
      if (routing.response().headWritten()) {
        routing.request().connection().close();
      } else {
        routing.response().setStatusCode(500).end();
      }
    });
  }

  public HttpRoutes get(String path, Handler<RoutingContext> handler) {
    router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(handler);
    return this;
  }

  /** A resource that answers every method itself. */
  public HttpRoutes any(String path, Handler<RoutingContext> handler) {
    router.route(path).handler(handler);
    return this;
  }

  public Router router() {
    return router;
  }
}
