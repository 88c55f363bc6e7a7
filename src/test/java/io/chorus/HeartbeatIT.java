package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The server pings every connection and closes those that have gone silent, half-open ones included. */
class HeartbeatIT {

  @Test
  void clientThatAnswersPingsStaysConnectedPastManyIdleTimeouts() throws Exception {
    try (TestServer server = TestServer.start("--ping-interval", "100ms", "--idle-timeout", "400ms");
         RawWebSocket client = RawWebSocket.connect(server.port(), "/ws/alive")) {
      assertThat(client.read().text()).isEqualTo(TestSocket.WELCOME);

      // Twenty pings come at least a ping interval apart: the connection outlives several idle timeouts however
      // slowly a busy machine runs the test, and a close in between fails it.
      long start = System.nanoTime();
      for (int pings = 0; pings < 20; pings++) {
        RawWebSocket.Frame frame = client.read();
        assertThat(frame.opcode()).as("no close while answering pings").isEqualTo(RawWebSocket.PING);
        client.send(RawWebSocket.PONG, true, frame.payload());
      }

      assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(3 * 400));
      client.sendText("still connected");
      RawWebSocket.Frame echo = client.read();
      while (echo.opcode() == RawWebSocket.PING) {
        echo = client.read();
      }
      assertThat(echo.text()).isEqualTo("still connected");
    }
  }

  @Test
  void clientThatNeverAnswersIsClosedWithIdleTimeout() throws Exception {
    try (TestServer server = TestServer.start("--ping-interval", "100ms", "--idle-timeout", "500ms",
        "--close-timeout", "200ms");
         RawWebSocket client = RawWebSocket.connect(server.port(), "/ws/silent")) {
      long start = System.nanoTime();
      client.read();

      RawWebSocket.Frame close = client.readClose();

      assertThat(close.closeCode()).isEqualTo(1001);
      assertThat(close.closeReason()).isEqualTo("idle timeout");
      // Not before the idle timeout; the upper bound only has to tell the idle timeout from a hang.
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(400), Duration.ofSeconds(10));
      assertThat(client.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void halfOpenConnectionThatNeitherReadsNorWritesIsReaped() throws Exception {
    try (TestServer server = TestServer.start("--ping-interval", "100ms", "--idle-timeout", "500ms",
        "--close-timeout", "300ms")) {
      try (RawWebSocket vanished = RawWebSocket.connectWithReceiveBuffer(server.port(), "/ws/half-open", 4096)) {
        assertThat(vanished.status()).isEqualTo(101);

        // The client reads and sends nothing more, as if its machine had lost power. The handshake counter shows the
        // connection was let in, whether or not a scrape comes before it is reaped (idle + close timeout: 0.8 s).
        await().atMost(Duration.ofSeconds(5)).until(() -> {
          Scrape scrape = Scrape.of(server.managementPort());
          return scrape.value("chorus_handshakes_total{outcome=\"accepted\"}") == 1
              && scrape.value("chorus_connections{transport=\"websocket\"}") == 0;
        });
        assertThat(Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"1001\"}")).isEqualTo(1);
      }
    }
  }
}
