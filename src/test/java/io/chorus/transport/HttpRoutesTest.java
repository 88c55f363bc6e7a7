package io.chorus.transport;

import io.chorus.metrics.ChorusMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A route that throws answers 500 and is counted as an http error; the others keep working. */
class HttpRoutesTest {

  private final Vertx vertx = Vertx.vertx();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @AfterEach
  void closeVertx() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void routeThatThrowsAnswers500AndCountsAnHttpError() throws Exception {
    HttpRoutes routes = new HttpRoutes(vertx, new ChorusMetrics(registry, () -> true, () -> 1).failures())
        .get("/broken", routing -> {
          throw new IllegalStateException("a bug in a route");
        })
        .get("/fine", routing -> routing.response().end("ok"));
    HttpServer server = vertx.createHttpServer().requestHandler(routes.router())
        .listen(0, "127.0.0.1").await(20, TimeUnit.SECONDS);

    assertThat(get(server.actualPort(), "/broken")).isEqualTo("500 ");
    assertThat(get(server.actualPort(), "/fine")).isEqualTo("200 ok");
    assertThat(registry.get("chorus_errors").tag("where", "http").counter().count()).isEqualTo(1);
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body();
  }
}
