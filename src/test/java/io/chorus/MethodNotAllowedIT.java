package io.chorus;

import io.chorus.support.ServerFixture;
import io.chorus.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** HEAD works wherever GET does, and every 405, on either port, names the methods that are allowed. */
class MethodNotAllowedIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();

  @Test
  void headOnTheChatPageAnswersAsGetWouldWithoutTheBody() throws Exception {
    HttpResponse<String> head = send("HEAD", server.port(), "/");

    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(head.body()).isEmpty();
  }

  @Test
  void otherMethodsOnTheMainPortGet405WithAllow() throws Exception {
    for (String method : new String[] {"POST", "PUT", "DELETE", "OPTIONS", "MADEUP"}) {
      HttpResponse<String> refused = send(method, server.port(), "/");

      assertThat(refused.statusCode()).as(method).isEqualTo(405);
      assertThat(refused.headers().firstValue("allow")).as(method).hasValue("GET, HEAD");
    }
    assertThat(send("DELETE", server.port(), "/chat.js").headers().firstValue("allow")).hasValue("GET, HEAD");
  }

  @Test
  void otherMethodsOnTheManagementPortGet405WithAllow() throws Exception {
    for (String path : new String[] {"/metrics", "/health/live", "/health/ready"}) {
      HttpResponse<String> refused = send("POST", server.managementPort(), path);

      assertThat(refused.statusCode()).as(path).isEqualTo(405);
      assertThat(refused.headers().firstValue("allow")).as(path).hasValue("GET, HEAD");
      assertThat(send("HEAD", server.managementPort(), path).statusCode()).as(path).isIn(200, 503);
    }
  }

  @Test
  void metricsOnTheMainPortByRequestAnswer405WithAllowToo() throws Exception {
    try (TestServer shared = TestServer.start("--management-port", "main")) {
      HttpResponse<String> refused = send("DELETE", shared.port(), "/metrics");

      assertThat(refused.statusCode()).isEqualTo(405);
      assertThat(refused.headers().firstValue("allow")).hasValue("GET, HEAD");
    }
  }

  private static HttpResponse<String> send(String method, int port, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).method(method, HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
