package io.chorus.transport;

import io.chorus.metrics.Exposition;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * What operators and Kubernetes ask a node: {@code /metrics} in the Prometheus text format, {@code /health/live}
 * and {@code /health/ready}. Alone on the management port, or on the main port when the operator asks for it.
 */
public final class ManagementEndpoint {

  private final Exposition exposition;
  private final Readiness readiness;

  public ManagementEndpoint(Exposition exposition, Readiness readiness) {
    this.exposition = exposition;
    this.readiness = readiness;
  }

  public void mount(HttpRoutes routes) {
    routes.get("/metrics", this::metrics)
        .get("/health/live", this::live)
        .get("/health/ready", this::ready);
  }

  /**
   * Rendered off the event loop: the loop that took the request only writes the bytes. A render another event loop
   * started completes there, so the answer hops back to this request's own loop.
   */
  private void metrics(RoutingContext routing) {
    Context requestContext = Vertx.currentContext();
    exposition.current(routing.vertx()).onComplete(rendered -> requestContext.runOnContext(now -> {
      if (rendered.succeeded()) {
        routing.response()
            .putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
            .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
            .end(rendered.result());
      } else {
        routing.fail(rendered.cause());
      }
    }));
  }

  /** Live while the process can answer at all: a failing liveness probe restarts the container. */
  private void live(RoutingContext routing) {
    reply(routing, 200, new JsonObject().put("status", "UP"));
  }

  /** Ready once listening and until a drain starts: a failing readiness probe takes the node out of the service. */
  private void ready(RoutingContext routing) {
    Readiness.State state = readiness.state();
    if (state == Readiness.State.READY) {
      reply(routing, 200, new JsonObject().put("status", "UP"));
    } else {
      reply(routing, 503, new JsonObject().put("status", "DOWN").put("reason", state.name().toLowerCase()));
    }
  }

  private static void reply(RoutingContext routing, int status, JsonObject body) {
    routing.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body.encode());
  }
}
