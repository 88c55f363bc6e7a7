package io.chorus.transport;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * What operators and Kubernetes ask a node: {@code /metrics} in the Prometheus text format, {@code /health/live}
 * and {@code /health/ready}. Mounted on the main port, or alone on the management port.
 */
public final class ManagementEndpoint {

  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;

  public ManagementEndpoint(PrometheusMeterRegistry registry, Readiness readiness) {
    this.registry = registry;
    this.readiness = readiness;
  }

  public void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
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
