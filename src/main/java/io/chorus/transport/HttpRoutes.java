package io.chorus.transport;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The plain HTTP resources of one port, all read-only: each answers GET and HEAD (RFC 9110 9.1: a server supports
 * both), and any other method gets 405 with the {@code Allow} header that RFC 9110 15.5.6 requires with it.
 */
public final class HttpRoutes {

  private static final String ALLOWED = "GET, HEAD";

  private final Router router;

  public HttpRoutes(Vertx vertx) {
    router = Router.router(vertx);
    router.errorHandler(405, routing -> routing.response()
        .setStatusCode(405)
        .putHeader(HttpHeaders.ALLOW, ALLOWED)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain")
        .end("Method not allowed: use " + ALLOWED + "\n"));
  }

  public HttpRoutes get(String path, Handler<RoutingContext> handler) {
    router.route(path).method(HttpMethod.GET).method(HttpMethod.HEAD).handler(handler);
    return this;
  }

  public Router router() {
    return router;
  }
}
