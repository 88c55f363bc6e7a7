package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.Trickler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Connections that never become WebSockets and send their requests slowly: every request, head and body, the first
 * or a later one on a keep-alive connection, must end within the handshake timeout, and when such connections fill
 * the port's TCP budget, the longest-waiting make room for new clients. A connection is never cut while the server
 * owes it an answer, and answers leave in the order of their requests.
 */
class SlowRequestIT {

  private static final String PAGE_REQUEST = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String BODY_HEAD = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n";
  private static final String BODY = "x".repeat(100);
  private static final String HEALTH_REQUEST = "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String METRICS_REQUEST = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
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
      // Vert.x answered the GET before its body came: the late body ends the connection, without a second answer.
      assertThat(body.received()).startsWith("HTTP/1.1 200 OK").doesNotContain(TIMEOUT);
      // Between requests, the head of the next one cannot be told from idleness: both are closed without an answer.
      for (Trickler.Connection betweenRequests : List.of(secondRequest, idle)) {
        assertThat(betweenRequests.received()).startsWith("HTTP/1.1 200 OK").doesNotContain(TIMEOUT);
      }
      assertThat(Scrape.of(server.managementPort()).value("chorus_handshakes_total{outcome=\"timeout\"}")).isEqualTo(2);
      bystander.assertUnharmed();
    }
  }

  @ParameterizedTest(name = "management port {0}")
  @ValueSource(strings = {"main", "0"})
  void tricklersFillingThePortsLockOutNeitherNewClientsNorTheHealthCheck(String managementPort) throws Exception {
    // max-connections 16 gives a TCP budget of 16 + 256 connections: 300 tricklers are more than it holds. On a
    // management port of its own, 100 more fill its cap of 64.
    try (TestServer server = TestServer.start("--max-connections", "16", "--handshake-timeout", "3s",
        "--management-port", managementPort);
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/crowd");
         Trickler trickler = new Trickler(Duration.ofSeconds(1))) {
      boolean separate = server.managementPort() != server.port();
      for (int i = 0; i < 150; i++) {
        trickler.open(server.port(), PAGE_REQUEST, PAGE_REQUEST);
        trickler.open(server.port(), BODY_HEAD, BODY);
      }
      int beyondCaps = 300 - (16 + 256);
      if (separate) {
        for (int i = 0; i < 100; i++) {
          trickler.open(server.managementPort(), HEALTH_REQUEST, HEALTH_REQUEST);
        }
        beyondCaps += 100 - 64;
      }
      int opened = trickler.connections().size();
      // Full: the oldest have made room for the newest (or, in a burst, the newest were closed as they came).
      int expectedClosed = beyondCaps;
      await().until(() -> trickler.closedCount() >= expectedClosed);

      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        TestSocket client = clients.connect("/ws/crowd");
        assertThat(status(server.managementPort(), "/health/live")).isEqualTo(200);
        assertThat(status(server.port(), "/")).isEqualTo(200);
        // Locked out, a newcomer would wait for the tricklers' 3 s timeout, again and again as they reconnect. Let in,
        // it takes milliseconds; 5 s leaves room for a busy 2-core machine while still telling the two apart.
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a new client's way in").isLessThan(Duration.ofSeconds(5));
        assertThat(client.isClosed()).isFalse();
      }

      await().until(() -> trickler.closedCount() == opened);
      for (Trickler.Connection slow : trickler.connections()) {
        // Closed as it came, in a burst, or shed before its request was read: nothing. Else its answer, then
        // nothing more: a late body or next request ends the connection without a second answer.
        assertThat(slow.received()).matches("(?s)(HTTP/1\\.1 200 OK.*)?").doesNotContain(TIMEOUT);
      }
      Scrape scrape = Scrape.of(server.managementPort());
      assertThat(scrape.value("chorus_handshakes_total{outcome=\"timeout\"}")).isPositive();
      // Every connection that did not get in is counted, as shed or as over_budget.
      assertThat(scrape.value("chorus_http_rejections_total{reason=\"shed\"}")
          + scrape.value("chorus_http_rejections_total{reason=\"over_budget\"}")).isGreaterThanOrEqualTo(beyondCaps);
      bystander.assertUnharmed();
    }
  }

  @Test
  void answersThatTakeLongerThanTheTimeoutToWriteAreNotCut() throws Exception {
    // /metrics on the main port, as --management-port main serves it; 300 scrapes of ~20 KB each are 6 MB, more than
    // the 4 MB a loopback socket buffers, so the last answers wait in the server until the client reads.
    try (TestServer server = TestServer.start("--management-port", "main", "--handshake-timeout", "1s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/scrape");
         Socket socket = new Socket();
         Socket silent = connect(server.port())) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5_000);
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(METRICS_REQUEST.repeat(300)
          .getBytes(StandardCharsets.US_ASCII));
      // A client that starts reading late: the answers it is owed wait past the timeout. A connection opened after
      // it that sends nothing gets its 408 once the timeout has passed, and only then does the client read.
      assertThat(new String(silent.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith(TIMEOUT);

      assertThat(countAnswers(socket.getInputStream(), "HTTP/1.1 200 OK", 300)).isEqualTo(300);
      bystander.assertUnharmed();
    }
  }

  @Test
  void pipelinedRefusalsAndUpgradesWaitForTheAnswersBeforeThem() throws Exception {
    try (TestServer server = TestServer.start("--management-port", "main");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/pipeline")) {
      // /metrics is rendered on a worker thread: its answer comes after the request behind it has been read.
      String refused = exchange(server.port(), METRICS_REQUEST + "GET / HTTP/1.1\r\n\r\n");
      assertThat(refused).startsWith("HTTP/1.1 200 OK").containsOnlyOnce("HTTP/1.1 400 ")
          .endsWith("An HTTP/1.1 request needs a Host header\n");

      String upgrade = exchange(server.port(), METRICS_REQUEST + "GET /ws/pipeline HTTP/1.1\r\nHost: x\r\n"
          + "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
          + "Sec-WebSocket-Version: 13\r\n\r\n");
      assertThat(upgrade).startsWith("HTTP/1.1 200 OK").doesNotContain("HTTP/1.1 101")
          .endsWith("A WebSocket upgrade must wait for the answers to earlier requests\n");
      bystander.assertUnharmed();
    }
  }

  @Test
  void aRefusalLateInTheRequestsTimeStillLingersAfterItsAnswer() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "2s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/linger");
         Socket socket = connect(server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      // Most of the request's 2 s gone before the header that gets it refused.
      CompletableFuture.runAsync(() -> send(out, "Host: a b\r\n\r\n".getBytes(StandardCharsets.US_ASCII)),
          CompletableFuture.delayedExecutor(1_500, TimeUnit.MILLISECONDS)).get(10, TimeUnit.SECONDS);
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 400 ");

      // The client goes on sending past the request's old deadline: the server still reads, and resets nothing.
      assertStillReadFor(out, Duration.ofMillis(1_500));
      bystander.assertUnharmed();
    }
  }

  @Test
  void aRequestTimeoutIsAnsweredWithALingeringClose() throws Exception {
    try (TestServer server = TestServer.start("--handshake-timeout", "1s");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/linger");
         Socket socket = connect(server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).startsWith(TIMEOUT);

      assertStillReadFor(out, Duration.ofMillis(500));
      bystander.assertUnharmed();
    }
  }

  /**
   * Sends a byte every 100 ms for {@code period}: a server that has closed answers the first with a reset, and the
   * next one fails.
   */
  private static void assertStillReadFor(OutputStream out, Duration period) throws Exception {
    long bytes = period.toMillis() / 100;
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    CompletableFuture<Void> sent = new CompletableFuture<>();
    AtomicLong written = new AtomicLong();
    pace.scheduleAtFixedRate(() -> {
      try {
        send(out, new byte[] {'x'});
        if (written.incrementAndGet() == bytes) {
          sent.complete(null);
        }
      } catch (UncheckedIOException reset) {
        sent.completeExceptionally(reset);
      }
    }, 100, 100, TimeUnit.MILLISECONDS);
    try {
      sent.get(period.toMillis() + 10_000, TimeUnit.MILLISECONDS);
    } finally {
      pace.shutdownNow();
    }
  }

  private static void send(OutputStream out, byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (IOException reset) {
      throw new UncheckedIOException(reset);
    }
  }

  /** Reads until {@code expected} answers starting with {@code statusLine} came, or the server closed. */
  private static int countAnswers(InputStream in, String statusLine, int expected) throws Exception {
    byte[] buffer = new byte[65_536];
    String carried = "";
    int count = 0;
    int read;
    while (count < expected && (read = in.read(buffer)) > 0) {
      String text = carried + new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
      int from = 0;
      for (int found; (found = text.indexOf(statusLine, from)) >= 0; from = found + statusLine.length()) {
        count++;
      }
      // A status line split between two reads is found in the next one.
      carried = text.substring(Math.max(from, text.length() - statusLine.length() + 1));
    }
    return count;
  }

  private static String exchange(int port, String requests) throws Exception {
    try (Socket socket = connect(port)) {
      socket.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
      return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  private static Socket connect(int port) throws Exception {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.setSoTimeout(10_000);
    return socket;
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
