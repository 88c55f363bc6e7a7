package io.chorus.transport;

import io.chorus.metrics.Exposition;
import io.chorus.security.Scope;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What operators and Kubernetes ask a node: {@code /metrics} in the Prometheus text format, {@code /health/live}
 * and {@code /health/ready}. Alone on the management port, or on the main port when the operator asks for it.
 */
public final class ManagementEndpoint {

  private static final Logger log = LoggerFactory.getLogger(ManagementEndpoint.class);

  private final Exposition exposition;
  private final Readiness readiness;
  private final Liveness liveness;
  private final Refusals refusals;
  /** Whether the last liveness answer was 503, so that the log says once when it turns and once when it recovers. */
  private final AtomicBoolean stalled = new AtomicBoolean();

  /** @param refusals counts the requests refused on the management port with the client port's */
  public ManagementEndpoint(Exposition exposition, Readiness readiness, Liveness liveness, Refusals refusals) {
    this.exposition = exposition;
    this.readiness = readiness;
    this.liveness = liveness;
    this.refusals = refusals;
  }

  /**
   * The management port's connection handler, for the event loop that serves the port: connections are capped and
   * their requests checked and timed before Vert.x sees them (see {@link ManagementRequests}).
   *
   * @param requestTimeout the time each request has, from the connection's opening or the last answer on it
   */
  public Handler<HttpConnection> connections(EventLoop eventLoop, Duration requestTimeout) {
    return ManagementRequests.watch(eventLoop, requestTimeout, refusals);
  }

  /** On the management port: nothing but the network guards it (see docs/operations.md, Metrics). */
  public void mount(HttpRoutes routes) {
    route(routes, this::metrics);
  }

  /**
   * On the main port, which clients reach: {@code /metrics} asks for an API key with the {@code metrics} scope when
   * the node has keys. Health stays open: the kubelet's probes carry no key, and up or down tells nothing secret.
   */
  public void mount(HttpRoutes routes, ApiGate gate) {
    route(routes, routing -> {
      if (gate.authorizes(routing.request(), Scope.METRICS)) {
        metrics(routing);
      }
    });
  }

  private void route(HttpRoutes routes, Handler<RoutingContext> metrics) {
    routes.get("/metrics", metrics)
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
            .end(Internals.buffer(rendered.result().duplicate()));
      } else {
        routing.fail(rendered.cause());
      }
    }));
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
