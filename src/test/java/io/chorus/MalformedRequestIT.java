package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP requests a strict server refuses, each answered with its status before Vert.x sees it, counted by reason, and
 * never logged one by one: a client that sends thousands of them leaves one summary line a minute in the log.
 */
class MalformedRequestIT {

  private static final String UPGRADE = "Upgrade: websocket\r\nConnection: Upgrade\r\n"
      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();

  static Stream<Arguments> refusals() {
    return Stream.of(
        Arguments.of("no Host", "GET / HTTP/1.1\r\n\r\n", 400, "no_host"),
        Arguments.of("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_host"),
        Arguments.of("a Host that is no host", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "bad_host"),
        Arguments.of("a port out of range", "GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n", 400, "bad_host"),
        Arguments.of("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 405,
            "method_not_allowed"),
        Arguments.of("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", 405, "method_not_allowed"),
        Arguments.of("POST", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi", 405, "method_not_allowed"),
        Arguments.of("a target that is not a path", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad_request"),
        Arguments.of("a bad Content-Length", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: abc\r\n\r\n", 400,
            "bad_request"),
        Arguments.of("two Content-Lengths", "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            400, "bad_request"),
        Arguments.of("a header line folded", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400, "bad_request"),
        Arguments.of("no HTTP at all", "NOT HTTP AT ALL\r\n\r\n", 400, "bad_request"),
        Arguments.of("headers too large", "GET / HTTP/1.1\r\nHost: a\r\nX: " + "a".repeat(10_000) + "\r\n\r\n", 431,
            "too_large"),
        Arguments.of("a request line too long", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414,
            "too_large"),
        Arguments.of("an upgrade without Host", "GET /ws/x HTTP/1.1\r\n" + UPGRADE + "\r\n", 400, "no_host"),
        Arguments.of("an upgrade with two Hosts", "GET /ws/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n" + UPGRADE + "\r\n", 400,
            "bad_host"),
        Arguments.of("an upgrade with headers too large",
            "GET /ws/x HTTP/1.1\r\nHost: a\r\n" + UPGRADE + "X: " + "a".repeat(10_000) + "\r\n\r\n", 431, "too_large"));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("refusals")
  void malformedRequestGetsItsStatusAndIsCounted(String name, String request, int status, String reason)
      throws Exception {
    double before = rejections(reason);

    String response = exchange(server.port(), request);

    assertThat(response).startsWith("HTTP/1.1 " + status + " ");
    if (status == 405) {
      assertThat(response).containsIgnoringCase("\r\nAllow: GET, HEAD\r\n");
    }
    assertThat(rejections(reason)).isEqualTo(before + 1);
  }

  @Test
  void upgradeWithABodyIsRefusedBeforeTheBodyIsReadAsFrames() throws Exception {
    String response = exchange(server.port(),
        "GET /ws/x HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n" + UPGRADE + "\r\n\u0081\u0080abcd");
    assertThat(response).startsWith("HTTP/1.1 400 ").endsWith("A WebSocket upgrade has no body\n");
  }

  @Test
  void requestsAStrictServerServesStillGetThePage() throws Exception {
    assertThat(exchange(server.port(), "GET / HTTP/1.0\r\n\r\n")).startsWith("HTTP/1.0 200 OK");
    assertThat(exchange(server.port(), "GET http://a/ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200 OK");
    assertThat(exchange(server.port(), "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 200 OK");
  }

  @Test
  void thousandsOfMalformedRequestsAreNeverLoggedOneByOneNorAsErrors() throws Exception {
    try (ServerProcess process = ServerProcess.start("--host", "127.0.0.1", "--port", "0");
         TestClients clients = new TestClients(process.port());
         Bystander bystander = Bystander.join(clients, "/ws/quiet")) {
      long start = System.nanoTime();
      // Pipelined: the first is refused and the connection closed, so the rest are never read.
      String pipelined = exchange(process.port(), "GET / HTTP/1.1\r\n\r\n".repeat(2_000));
      assertThat(pipelined).startsWith("HTTP/1.1 400 ").containsOnlyOnce("HTTP/1.1 400 ");
      for (int i = 0; i < 1_000; i++) {
        assertThat(exchange(process.port(), "GET / HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(exchange(process.port(), "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n")).startsWith("HTTP/1.1 405 ");
      }
      // The management port checks its requests the same way.
      for (int i = 0; i < 500; i++) {
        assertThat(exchange(process.managementPort(), "GET /metrics HTTP/1.1\r\n\r\n")).startsWith("HTTP/1.1 400 ");
        assertThat(exchange(process.managementPort(), "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n"))
            .startsWith("HTTP/1.1 405 ");
      }

      Scrape scrape = Scrape.of(process.managementPort());
      assertThat(scrape.value("chorus_http_rejections_total{reason=\"no_host\"}")).isEqualTo(1_501);
      assertThat(scrape.value("chorus_http_rejections_total{reason=\"method_not_allowed\"}")).isEqualTo(1_500);
      await().until(() -> process.output().contains("HTTP requests or connections refused (method_not_allowed)"));
      bystander.assertUnharmed();
      String log = process.output();
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      assertThat(log).doesNotContain("ERROR").doesNotContain("Exception").doesNotContain("\tat ");
      // The first summary of a kind comes within a second of its first refusal, the next 10 s after it.
      for (String kind : List.of("no_host", "method_not_allowed")) {
        assertThat(log.lines().filter(line -> line.contains("HTTP requests or connections refused (" + kind + ")")))
            .hasSizeBetween(1, (int) (1 + seconds / 10))
            .allMatch(line -> line.contains(" WARN ") && line.matches(
                ".* - [\\d,]+ HTTP requests or connections refused \\(" + kind + "\\) in the last \\d+ s"
                    + " \\(e\\.g\\. 127\\.0\\.0\\.1\\)"));
      }
    }
  }

  private static double rejections(String reason) throws Exception {
    return Scrape.of(server.managementPort()).value("chorus_http_rejections_total{reason=\"" + reason + "\"}");
  }

  /** Sends the bytes on a connection of its own and reads until the server closes it. */
  private static String exchange(int port, String request) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
