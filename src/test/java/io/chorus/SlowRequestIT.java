package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.Trickler;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that never become WebSockets and send their requests slowly: every request, head and body, the first
 * or a later one on a keep-alive connection, must end within the handshake timeout, and when such connections fill
 * the port's TCP budget, the longest-waiting make room for new clients.
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

  @Test
  void tricklersFillingThePortLockOutNeitherNewClientsNorTheHealthCheck() throws Exception {
    // max-connections 16 gives a TCP budget of 16 + 256 connections: 300 tricklers are more than it holds.
    try (TestServer server = TestServer.start("--max-connections", "16", "--handshake-timeout", "3s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/crowd");
         Trickler trickler = new Trickler(Duration.ofSeconds(1))) {
      for (int i = 0; i < 150; i++) {
        trickler.open(server.port(), PAGE_REQUEST, PAGE_REQUEST);
        trickler.open(server.port(), BODY_HEAD, BODY);
      }
      // Full: the oldest have made room for the newest (or, in a burst, the newest were closed as they came).
      await().until(() -> trickler.closedCount() >= 300 - (16 + 256));

      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        TestSocket client = clients.connect("/ws/crowd");
        assertThat(status(server.managementPort(), "/health/live")).isEqualTo(200);
        assertThat(status(server.port(), "/")).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a new client's way in").isLessThan(Duration.ofSeconds(1));
        assertThat(client.isClosed()).isFalse();
      }

      await().until(() -> trickler.closedCount() == 300);
      for (Trickler.Connection slow : trickler.connections()) {
        // Closed as it came, in a burst, or shed before its request was read: nothing. Else its page, then a 408, or
        // nothing more if shed or idle.
        assertThat(slow.received()).matches("(?s)(HTTP/1\\.1 200 OK.*)?");
      }
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"timeout\"}")).isPositive();
      assertThat(Scrape.of(server.managementPort()).value("chorus_http_rejections_total{reason=\"shed\"}")).isPositive();
      bystander.assertUnharmed();
    }
  }

  /** The status of one GET on a connection of its own. */
  private static int status(int port, String path) throws Exception {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(5_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      return Integer.parseInt(response.substring(9, 12));
    }
  }
}
