package io.chorus.support;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A client of the HTTP API (java.net.http, HTTP/1.1 keep-alive), as a backend would call it. */
public final class Api {

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final int port;

  public Api(int port) {
    this.port = port;
  }

  /** POSTs {@code body} as {@code contentType} to the room's messages. */
  public HttpResponse<String> post(String room, String contentType, byte[] body) throws Exception {
    return send("POST", "/api/rooms/" + room + "/messages", Map.of("Content-Type", contentType), body);
  }

  /** POSTs JSON and returns the 201's body. */
  public JsonObject publish(String room, String json) throws Exception {
    HttpResponse<String> response = post(room, "application/json", json.getBytes());
    if (response.statusCode() != 201) {
      throw new AssertionError("publish answered " + response.statusCode() + ": " + response.body());
    }
    return new JsonObject(response.body());
  }

  public HttpResponse<String> get(String pathAndQuery) throws Exception {
    return send("GET", pathAndQuery, Map.of(), null);
  }

  public HttpResponse<String> send(String method, String pathAndQuery, Map<String, String> headers, byte[] body)
      throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Asserts an RFC 9457 problem: its status, content type, {@code urn:chorus:problem:<type>}, title and detail. */
  public static void assertProblem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = new JsonObject(response.body());
    assertThat(problem.getString("type")).isEqualTo("urn:chorus:problem:" + type);
    assertThat(problem.getInteger("status")).isEqualTo(status);
    assertThat(problem.getString("title")).isNotBlank();
    assertThat(problem.getString("detail")).isNotBlank();
  }
}
