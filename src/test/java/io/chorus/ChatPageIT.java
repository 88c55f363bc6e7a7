package io.chorus;

import io.chorus.support.ServerFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The chat page, its script and its style are served from the jar. */
class ChatPageIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();
  private static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void rootWithoutUpgradeServesTheChatPageAsHtml() throws Exception {
    HttpResponse<String> page = get("/");

    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.body()).contains("<title>Chorus Chat</title>", "id=\"messageInput\"", "/chat.js");
  }

  @Test
  void scriptsAndStyleAreServedWithTheirTypes() throws Exception {
    assertThat(get("/chat.js").headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(get("/chat.js").body()).contains("import { connect } from \"/chorus.js\"");
    assertThat(get("/chorus.js").headers().firstValue("content-type")).hasValue("text/javascript; charset=utf-8");
    assertThat(get("/chorus.js").body()).contains("new WebSocket(this.#url, PROTOCOL)");
    assertThat(get("/chat.css").headers().firstValue("content-type")).hasValue("text/css; charset=utf-8");
  }

  @Test
  void unknownPathIsNotFound() throws Exception {
    assertThat(get("/no-such-page").statusCode()).isEqualTo(404);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(java.time.Duration.ofSeconds(10)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
