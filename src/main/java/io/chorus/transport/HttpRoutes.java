package io.chorus.transport;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The plain HTTP resources of one port, all read-only: each answers GET and HEAD (RFC 9110 9.1: a server supports
 * both). Any other method never gets here: {@link RequestPolicy} answers it with 405 and {@code Allow} on both ports.
 */
public final class HttpRoutes {

  private final Router router;

  public HttpRoutes(Vertx vertx) {
    router = Router.router(vertx);
  }

  public HttpRoutes get(String path, Handler<RoutingContext> handler) {
    router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(handler);
    return this;
  }

  public Router router() {
    return router;
  }
}
