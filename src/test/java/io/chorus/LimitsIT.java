package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.Sockets;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.Trickler;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every limit answers with its documented status or close code, and never disturbs the other clients. */
class LimitsIT {

  @Test
  void floodingClientIsRateLimitedThenClosedWhileTheRoomKeepsItsMessages() throws Exception {
    try (TestServer server = TestServer.start("--rate-limit", "10", "--rate-limit-burst", "5");
         TestClients clients = new TestClients(server.port())) {
      TestSocket bystander = clients.connect("/ws/flood");
      TestSocket polite = clients.connect("/ws/flood");
      try (RawWebSocket flooder = RawWebSocket.connect(server.port(), "/ws/flood")) {
        flooder.read();

        ByteArrayOutputStream burst = new ByteArrayOutputStream();
        for (int i = 0; i < 20; i++) {
          burst.writeBytes(RawWebSocket.frame(0x80 | RawWebSocket.TEXT, ("flood " + i).getBytes(StandardCharsets.UTF_8)));
        }
        flooder.sendBytes(burst.toByteArray());

        RawWebSocket.Frame close = flooder.readClose();
        assertThat(close.closeCode()).isEqualTo(1008);
        assertThat(close.closeReason()).isEqualTo("rate limit exceeded");
      }
      polite.send("polite");

      await().until(() -> bystander.messageCount() == 6);
      assertThat(bystander.texts()).containsExactly("flood 0", "flood 1", "flood 2", "flood 3", "flood 4", "polite");
      Scrape scrape = Scrape.of(server.managementPort());
      assertThat(scrape.value("chorus_messages_dropped_total{reason=\"rate_limit\"}")).isEqualTo(5);
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"1008\"}") == 1);
    }
  }

  @Test
  void nodeFullRefusesUpgradesWith503AndAcceptsAgainWhenAConnectionCloses() throws Exception {
    try (TestServer server = TestServer.start("--max-connections", "3");
         TestClients clients = new TestClients(server.port())) {
      List<TestSocket> sockets = clients.connect("/ws/full", 3);

      try (RawWebSocket refused = RawWebSocket.connect(server.port(), "/ws/full")) {
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("10");
        assertThat(refused.body()).startsWith("Server is full");
      }
      sockets.get(0).send("others unaffected");
      await().until(() -> sockets.get(2).texts().equals(List.of("others unaffected")));

      sockets.get(1).close();
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_connections{transport=\"websocket\"}") == 2);
      TestSocket again = clients.connect("/ws/full");
      assertThat(again.all().get(0).text()).isEqualTo(TestSocket.WELCOME);
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"node_full\"}")).isEqualTo(1);
    }
  }

  @Test
  void connectionsBeyondThePortBudgetCloseTheLongestWaitingSoThatNewClientsStillGetIn() throws Exception {
    // max-connections 1 leaves a TCP budget of 1 + 256 connections for plain HTTP and refusals.
    int budget = 257;
    int attempts = budget + 87;
    try (TestServer server = TestServer.start("--max-connections", "1", "--handshake-timeout", "5m");
         Selector selector = Selector.open()) {
      List<SocketChannel> sockets = new ArrayList<>();
      try {
        openWatched(server.port(), attempts, selector, sockets);
        // Which connections the server closes depends on the order it accepts them in, not the order they were made.
        Set<SocketChannel> closedByServer = awaitClosedByServer(selector, attempts - budget);
        // Each event loop sheds its own longest-waiting connection, and a slot freed by a shed connection comes back
        // a moment later: racing newcomers may close one connection more than the budget needs, never fewer.
        assertThat(closedByServer.size()).isBetween(attempts - budget, attempts - budget + 2);
        Scrape scrape = Scrape.of(server.managementPort());
        assertThat(scrape.value("chorus_http_rejections_total{reason=\"shed\"}")).isPositive();
        // Each connection closed made room for a newcomer (shed) or was the newcomer (over_budget): all are counted.
        assertThat(scrape.value("chorus_http_rejections_total{reason=\"shed\"}")
            + scrape.value("chorus_http_rejections_total{reason=\"over_budget\"}"))
            .isGreaterThanOrEqualTo(closedByServer.size());

        try (RawWebSocket newcomer = RawWebSocket.connect(server.port(), "/ws/budget")) {
          assertThat(newcomer.status()).isEqualTo(101);
        }
      } finally {
        for (SocketChannel socket : sockets) {
          socket.close();
        }
      }
    }
  }

  @Test
  void originsOfOtherSitesAreForbiddenLoopbackAndSameHostAreNot() throws Exception {
    try (TestServer server = TestServer.start()) {
      int port = server.port();
      assertThat(status(port, Map.of("Origin", "https://evil.example"))).isEqualTo(403);
      assertThat(status(port, Map.of("Origin", "null"))).isEqualTo(403);
      assertThat(status(port, Map.of("Origin", "http://localhost:5173"))).isEqualTo(101);
      assertThat(status(port, Map.of("Origin", "http://127.0.0.1:" + port))).isEqualTo(101);
      assertThat(status(port, Map.of("Origin", "https://chat.example.com", "Host", "chat.example.com"))).isEqualTo(101);
      assertThat(status(port, Map.of())).isEqualTo(101);
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"forbidden_origin\"}")).isEqualTo(2);
    }
    try (TestServer server = TestServer.start("--allowed-origins", "null,https://app.example.org")) {
      assertThat(status(server.port(), Map.of("Origin", "null"))).isEqualTo(101);
      assertThat(status(server.port(), Map.of("Origin", "https://app.example.org"))).isEqualTo(101);
      assertThat(status(server.port(), Map.of("Origin", "https://evil.example"))).isEqualTo(403);
    }
  }

  @Test
  void malformedUpgradesGetTheirHttpErrors() throws Exception {
    try (TestServer server = TestServer.start()) {
      int port = server.port();
      assertThat(status(port, withHeader("Sec-WebSocket-Key", null))).isEqualTo(400);
      assertThat(status(port, withHeader("Sec-WebSocket-Key", "too-short"))).isEqualTo(400);
      assertThat(status(port, withHeader("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!=="))).isEqualTo(400);
      try (RawWebSocket oldVersion = RawWebSocket.connect(port, "/ws/x", Map.of("Sec-WebSocket-Version", "8"))) {
        assertThat(oldVersion.status()).isEqualTo(426);
        assertThat(oldVersion.header("Sec-WebSocket-Version")).isEqualTo("13");
      }
      assertThat(status(port, withHeader("Connection", "keep-alive"))).isEqualTo(400);
      try (RawWebSocket post = RawWebSocket.request(port, "POST /ws/x HTTP/1.1", upgradeHeaders(port))) {
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET");
      }
      try (Socket garbage = connect(port)) {
        garbage.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readAll(garbage.getInputStream())).matches("(?s)HTTP/1.[01] 400 Bad Request.*");
      }
    }
  }

  @Test
  void connectionThatDoesNotCompleteItsRequestInTimeGets408AndIsClosed() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "300ms");
         TestClients clients = new TestClients(server.port())) {
      TestSocket bystander = clients.connect("/ws/slowloris");
      try (Socket silent = connect(server.port()); Socket trickling = connect(server.port())) {
        trickling.getOutputStream().write("GET /ws/slowloris HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));

        assertThat(readAll(silent.getInputStream())).startsWith("HTTP/1.1 408 Request Timeout");
        assertThat(readAll(trickling.getInputStream())).startsWith("HTTP/1.1 408 Request Timeout");
      }
      bystander.send("unbothered");
      await().until(() -> bystander.texts().equals(List.of("unbothered")));
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"timeout\"}")).isGreaterThanOrEqualTo(2);
    }
  }

  @Test
  void connectionsClosedAsTheyAreAcceptedAreCountedAsOverBudget() throws Exception {
    // max-connections 1: a TCP budget of 257, and 32 more that may wait for their event loop to make room.
    int acceptable = 257 + 32;
    int attempts = acceptable + 40;
    try (TestServer server = TestServer.start("--max-connections", "1", "--instances", "1");
         Selector selector = Selector.open()) {
      // The first connection puts the budget on the acceptor.
      assertThat(get(server.port(), "/")).startsWith("HTTP/1.1 200 ");
      // With the only event loop stuck, nothing makes room: beyond the acceptable, the acceptor must close them.
      // No bystander here: the test stalls the loop every client would be on.
      CountDownLatch release = new CountDownLatch(1);
      server.chorus().gatewayEventLoops().get(0).execute(() -> {
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
      List<SocketChannel> sockets = new ArrayList<>();
      try {
        openWatched(server.port(), attempts, selector, sockets);
        awaitClosedByServer(selector, attempts - acceptable);
        release.countDown();
        assertThat(Scrape.of(server.managementPort()).value("chorus_http_rejections_total{reason=\"over_budget\"}"))
            .isGreaterThanOrEqualTo(attempts - acceptable);
      } finally {
        release.countDown();
        for (SocketChannel socket : sockets) {
          socket.close();
        }
      }
    }
  }

  @Test
  void aRequestTricklingToTheManagementPortEndsWithinTheTimeout() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "1s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/probe");
         Trickler trickler = new Trickler(Duration.ofMillis(200))) {
      // A byte every 200 ms keeps Vert.x's idle timeout from ever firing; the request would take a minute to end.
      Trickler.Connection slow = trickler.open(server.managementPort(), "GET /health/live HTTP/1.1\r\n",
          "Host: x\r\nX: " + "a".repeat(300) + "\r\n\r\n");

      await().until(slow::isClosed);
      assertThat(slow.received()).startsWith("HTTP/1.1 408 Request Timeout");
      bystander.assertUnharmed();
    }
  }

  @Test
  void tricklersBeyondTheManagementPortsCapMakeRoomForTheHealthCheck() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "1m");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/probe");
         Trickler trickler = new Trickler(Duration.ofSeconds(1))) {
      for (int i = 0; i < 100; i++) {
        trickler.open(server.managementPort(), "", "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n");
      }
      // The cap is 64: the oldest made room for the newest (or, in a burst, the newest were closed as they came).
      await().until(() -> trickler.closedCount() >= 100 - 64);

      for (int i = 0; i < 5; i++) {
        assertThat(get(server.managementPort(), "/health/live")).startsWith("HTTP/1.1 200 ");
      }
      Scrape scrape = Scrape.of(server.managementPort());
      assertThat(scrape.value("chorus_http_rejections_total{reason=\"shed\"}")
          + scrape.value("chorus_http_rejections_total{reason=\"over_budget\"}")).isGreaterThanOrEqualTo(100 - 64);
      bystander.assertUnharmed();
    }
  }

  private static String get(int port, String path) throws Exception {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      return readAll(socket.getInputStream());
    }
  }

  private static int status(int port, Map<String, String> headers) throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(port, "/ws/origin", headers)) {
      return socket.status();
    }
  }

  private static Map<String, String> withHeader(String name, String value) {
    Map<String, String> headers = new HashMap<>();
    headers.put(name, value);
    return headers;
  }

  private static Map<String, String> upgradeHeaders(int port) {
    return Map.of("Host", "127.0.0.1:" + port, "Upgrade", "websocket", "Connection", "Upgrade",
        "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version", "13");
  }

  private static Socket connect(int port) throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
  }

  private static String readAll(InputStream in) throws Exception {
    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
  }

  /** Opens {@code count} plain TCP connections, each watched by the selector for the server closing it. */
  private static void openWatched(int port, int count, Selector selector, List<SocketChannel> opened)
      throws IOException {
    for (int i = 0; i < count; i++) {
      SocketChannel socket = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
      socket.configureBlocking(false);
      socket.register(selector, SelectionKey.OP_READ, socket);
      opened.add(socket);
    }
  }

  /** Waits until the server has closed at least {@code count} of the watched connections; returns those it closed. */
  private static Set<SocketChannel> awaitClosedByServer(Selector selector, int count) {
    Set<SocketChannel> closedByServer = new HashSet<>();
    await().until(() -> {
      selector.select(100);
      for (SelectionKey key : selector.selectedKeys()) {
        if (Sockets.closedByServer((SocketChannel) key.attachment())) {
          closedByServer.add((SocketChannel) key.attachment());
          key.cancel();
        }
      }
      selector.selectedKeys().clear();
      return closedByServer.size() >= count;
    });
    return closedByServer;
  }
}
