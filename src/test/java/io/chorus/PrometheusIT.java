package io.chorus;

import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The exposition as Prometheus itself sees it: promtool's linter, then a real Prometheus server scraping Chorus. */
class PrometheusIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void expositionPassesPromtoolCheckMetrics() throws Exception {
    try (TestServer server = TestServer.start();
         TestClients clients = new TestClients(server.port())) {
      clients.connect("/ws/lint", 2).get(0).send("populate every chorus meter");
      String exposition = Scrape.of(server.managementPort()).text();

      Process promtool = new ProcessBuilder(executable("promtool"), "check", "metrics")
          .redirectErrorStream(true)
          .start();
      promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
      promtool.getOutputStream().close();
      String findings = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);

      assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(findings).isEmpty();
      assertThat(promtool.exitValue()).isZero();
    }
  }

  @Test
  void prometheusScrapesChorusAndAnswersAQueryForConnections(@TempDir Path dir) throws Exception {
    try (TestServer server = TestServer.start("--management-port", "0");
         TestClients clients = new TestClients(server.port())) {
      clients.connect("/ws/scraped", 3);
      int prometheusPort = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(config, String.join("\n",
          "global:",
          "  scrape_interval: 1s",
          "scrape_configs:",
          "  - job_name: chorus",
          "    static_configs:",
          "      - targets: ['127.0.0.1:" + server.chorus().managementPort() + "']",
          ""));
      Process prometheus = new ProcessBuilder(executable("prometheus"),
          "--config.file=" + config,
          "--storage.tsdb.path=" + dir.resolve("data"),
          "--web.listen-address=127.0.0.1:" + prometheusPort)
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("prometheus.log").toFile())
          .start();
      try {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
            .until(() -> query(prometheusPort, "chorus_connections{transport=\"websocket\"}").equals(List.of("3")));
        assertThat(query(prometheusPort, "up{job=\"chorus\"}")).containsExactly("1");
      } finally {
        prometheus.destroy();
        prometheus.waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  /** The values of an instant query; empty while Prometheus is starting or has not scraped yet. */
  private static List<String> query(int port, String promql) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
              + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
          .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        return List.of();
      }
      JsonArray result = new JsonObject(response.body()).getJsonObject("data").getJsonArray("result");
      return result.stream().map(series -> ((JsonObject) series).getJsonArray("value").getString(1)).toList();
    } catch (java.io.IOException e) {
      return List.of();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  private static String executable(String name) {
    Path path = Path.of("/usr/bin", name);
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException(name + " is required for this test: apt-get install prometheus");
    }
    return path.toString();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
