package io.chorus.transport;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.micrometer.PrometheusScrapingHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What operators and Kubernetes ask a node: {@code /metrics} in the Prometheus text format, {@code /health/live}
 * and {@code /health/ready}. Mounted on the main port, or alone on the management port.
 */
public final class ManagementEndpoint {

  private static final Logger log = LoggerFactory.getLogger(ManagementEndpoint.class);

  private final PrometheusMeterRegistry registry;
  private final Readiness readiness;
  private final Liveness liveness;
  /** Whether the last liveness answer was 503, so that the log says once when it turns and once when it recovers. */
  private final AtomicBoolean stalled = new AtomicBoolean();

  public ManagementEndpoint(PrometheusMeterRegistry registry, Readiness readiness, Liveness liveness) {
    this.registry = registry;
    this.readiness = readiness;
    this.liveness = liveness;
  }

  public void mount(Router router) {
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    router.get("/health/live").handler(this::live);
    router.get("/health/ready").handler(this::ready);
  }

  /**
   * Live while every event loop runs its heartbeat: a failing liveness probe restarts the container. Answered by the
   * loop that serves this port; when that loop itself is stuck, the probe times out, which fails it as well.
   */
  private void live(RoutingContext routing) {
    Duration stall = liveness.longestStall();
    if (stall.compareTo(Liveness.STALL_BOUND) <= 0) {
      if (stalled.compareAndSet(true, false)) {
        log.info("Every event loop runs again: /health/live answers 200");
      }
      reply(routing, 200, new JsonObject().put("status", "UP"));
    } else {
      if (stalled.compareAndSet(false, true)) {
        log.error("An event loop has not run its heartbeat for {} ms: /health/live answers 503", stall.toMillis());
      }
      reply(routing, 503, new JsonObject().put("status", "DOWN").put("reason", "event loop stalled"));
    }
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
