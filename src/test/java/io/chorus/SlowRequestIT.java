package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.Trickler;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that never become WebSockets and send their requests slowly: every request, head and body, the first
 * or a later one on a keep-alive connection, must end within the handshake timeout.
 */
class SlowRequestIT {

  private static final String PAGE_REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String BODY_HEAD = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  private static final String BODY = "x".repeat(100);
  private static final String TIMEOUT = "HTTP/1.1 408 Request Timeout";

  @Test
  void everyRequestOnAKeepAliveConnectionMustEndWithinTheTimeout() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "2s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/slow");
         Trickler trickler = new Trickler(Duration.ofSeconds(1))) {
      Trickler.Connection secondRequest = trickler.open(server.port(), PAGE_REQUEST, PAGE_REQUEST);
      Trickler.Connection body = trickler.open(server.port(), BODY_HEAD, BODY);
      Trickler.Connection idle = trickler.open(server.port(), PAGE_REQUEST, "");
      Trickler.Connection head = trickler.open(server.port(), "", PAGE_REQUEST);

      await().until(() -> trickler.closedCount() == 4);
      assertThat(head.received()).startsWith(TIMEOUT);
      assertThat(body.received()).startsWith("HTTP/1.1 200 OK").contains(TIMEOUT);
      // Between requests, the head of the next one cannot be told from idleness: both are closed without an answer.
      for (Trickler.Connection betweenRequests : List.of(secondRequest, idle)) {
        assertThat(betweenRequests.received()).startsWith("HTTP/1.1 200 OK").doesNotContain(TIMEOUT);
      }
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"timeout\"}")).isEqualTo(2);
      bystander.assertUnharmed();
    }
  }

}
