package io.chorus;

import io.chorus.metrics.ChorusMetrics;
import io.chorus.metrics.Exposition;
import io.chorus.support.Scrape;
import io.chorus.support.TestServer;
import io.chorus.transport.Liveness;
import io.chorus.transport.ManagementEndpoint;
import io.chorus.transport.Readiness;
import io.chorus.transport.Refusals;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Health probes and the separate management port. */
class ManagementEndpointIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void readinessIsDownWhileStartingUpWhenReadyAndDownAgainWhenDraining() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Readiness readiness = new Readiness();
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      ChorusMetrics metrics = new ChorusMetrics(registry, () -> true, () -> 1);
      Refusals refusals = new Refusals(metrics, System.nanoTime());
      ManagementVerticle verticle = new ManagementVerticle(
          new ManagementEndpoint(new Exposition(registry), readiness, new Liveness(), refusals),
          metrics.failures(), "127.0.0.1", 0, Duration.ofSeconds(10), Optional.empty(), refusals);
      vertx.deployVerticle(verticle).await(20, TimeUnit.SECONDS);
      int port = verticle.actualPort();

      assertThat(get(port, "/health/live")).isEqualTo("200 {\"status\":\"UP\"}");
      assertThat(get(port, "/health/ready")).isEqualTo("503 {\"status\":\"DOWN\",\"reason\":\"starting\"}");
      readiness.ready();
      assertThat(get(port, "/health/ready")).isEqualTo("200 {\"status\":\"UP\"}");
      readiness.drain();
      assertThat(get(port, "/health/ready")).isEqualTo("503 {\"status\":\"DOWN\",\"reason\":\"draining\"}");
      assertThat(get(port, "/health/live")).isEqualTo("200 {\"status\":\"UP\"}");
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void metricsAndHealthAreServedOnTheManagementPortAndNotOnTheClientPort() throws Exception {
    try (TestServer server = TestServer.start()) {
      int management = server.managementPort();

      assertThat(management).isNotEqualTo(server.port());
      assertThat(get(management, "/health/live")).isEqualTo("200 {\"status\":\"UP\"}");
      assertThat(get(management, "/health/ready")).isEqualTo("200 {\"status\":\"UP\"}");
      assertThat(Scrape.of(management).has("chorus_connections")).isTrue();
      assertThat(get(server.port(), "/metrics")).startsWith("404");
      assertThat(get(server.port(), "/health/live")).startsWith("404");
      assertThat(get(server.port(), "/health/ready")).startsWith("404");
      assertThat(get(management, "/")).startsWith("404");
    }
  }

  @Test
  void managementPortMainKeepsMetricsAndHealthOnTheClientPort() throws Exception {
    try (TestServer server = TestServer.start("--management-port", "main")) {
      assertThat(server.managementPort()).isEqualTo(server.port());
      assertThat(get(server.port(), "/health/live")).isEqualTo("200 {\"status\":\"UP\"}");
      assertThat(get(server.port(), "/health/ready")).isEqualTo("200 {\"status\":\"UP\"}");
      assertThat(Scrape.of(server.port()).has("chorus_connections")).isTrue();
      assertThat(get(server.port(), "/")).startsWith("200");
    }
  }

  @Test
  void livenessFailsWhileAGatewayEventLoopIsStuckAndRecoversOnceItRuns() throws Exception {
    try (TestServer server = TestServer.start("--instances", "2", "--management-port", "0")) {
      int management = server.managementPort();
      EventLoop managementLoop = server.chorus().managementEventLoop().orElseThrow();
      // Health is answered on the management port's loop, so stall a gateway loop other than that one.
      EventLoop stuck = server.chorus().gatewayEventLoops().stream()
          .filter(loop -> loop != managementLoop).findFirst().orElseThrow();
      assertThat(get(management, "/health/live")).isEqualTo("200 {\"status\":\"UP\"}");

      CountDownLatch release = new CountDownLatch(1);
      CountDownLatch blocked = new CountDownLatch(1);
      stuck.execute(() -> {
        blocked.countDown();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      try {
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        long start = System.nanoTime();
        await().atMost(Duration.ofSeconds(15)).until(() -> get(management, "/health/live")
            .equals("503 {\"status\":\"DOWN\",\"reason\":\"event loop stalled\"}"));
        // The last tick ran at most a second before the loop was blocked.
        assertThat(Duration.ofNanos(System.nanoTime() - start))
            .isGreaterThanOrEqualTo(Liveness.STALL_BOUND.minusSeconds(1));
        assertThat(get(management, "/health/ready")).isEqualTo("200 {\"status\":\"UP\"}");
      } finally {
        release.countDown();
      }
      await().until(() -> get(management, "/health/live").equals("200 {\"status\":\"UP\"}"));
    }
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }
}
