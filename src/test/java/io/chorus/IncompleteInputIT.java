package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Input a client has begun and not finished (a fragmented message, a frame cut short) is held to the node's budget
 * and to the idle timeout, so that no number of such clients exhausts the node's memory or holds it forever.
 */
class IncompleteInputIT {

  private static final long BUDGET = 512 << 10;
  private static final String HELD = "chorus_incomplete_input_bytes";
  private static final int ATTACKERS = 30;

  @Test
  void connectionsHoldingIncompleteMessagesPastTheNodeBudgetAreClosedWith1013AndNewcomersAreServed() throws Exception {
    try (TestServer server = TestServer.start("--max-incomplete-input", BUDGET + "B");
         TestClients clients = new TestClients(server.port())) {
      Bystander bystander = Bystander.join(clients, "/ws/room");
      List<RawWebSocket> attackers = new ArrayList<>();
      try {
        // Each holds at least 48 KiB: a 16 KiB fragment (reassembled in a 32 KiB buffer), and 16 KiB of a
        // continuation frame that promises 32 KiB. At most ten fit in the budget.
        for (int i = 0; i < ATTACKERS; i++) {
          RawWebSocket attacker = RawWebSocket.connect(server.port(), "/ws/hold");
          attacker.read();
          byte[] stalled = RawWebSocket.frame(RawWebSocket.CONTINUATION, new byte[32 << 10]);
          attacker.sendBytes(RawWebSocket.frame(RawWebSocket.BINARY, new byte[16 << 10]));
          attacker.sendBytes(Arrays.copyOf(stalled, stalled.length - (16 << 10)));
          attackers.add(attacker);
        }
        await().until(() -> disconnects(server, "1013") >= ATTACKERS - BUDGET / (48 << 10));
        assertThat(held(server)).isPositive().isLessThanOrEqualTo(BUDGET);

        try (RawWebSocket newcomer = RawWebSocket.connect(server.port(), "/ws/newcomer")) {
          newcomer.read();
          byte[] message = new byte[8 << 10];
          ThreadLocalRandom.current().nextBytes(message);
          byte[] frame = RawWebSocket.frame(0x80 | RawWebSocket.BINARY, message);
          double before = held(server);
          newcomer.sendBytes(Arrays.copyOf(frame, 4 << 10));
          // The server has read the half frame: it holds it, or closed an older attacker to make room for it.
          await().until(() -> held(server) != before);
          newcomer.sendBytes(Arrays.copyOfRange(frame, 4 << 10, frame.length));
          RawWebSocket.Frame echo = newcomer.read();
          assertThat(echo.opcode()).isEqualTo(RawWebSocket.BINARY);
          assertThat(echo.payload()).isEqualTo(message);
        }

        int closed = 0;
        for (RawWebSocket attacker : attackers) {
          RawWebSocket.Frame close = closeFrame(attacker);
          if (close != null) {
            assertThat(close.closeCode()).isEqualTo(1013);
            assertThat(close.closeReason()).isEqualTo("try again later");
            closed++;
          }
        }
        assertThat(closed).isGreaterThanOrEqualTo((int) (ATTACKERS - BUDGET / (48 << 10)));
        assertThat(held(server)).isLessThanOrEqualTo(BUDGET);
      } finally {
        for (RawWebSocket attacker : attackers) {
          attacker.close();
        }
      }
      bystander.assertUnharmed();
      await().until(() -> held(server) == 0);
    }
  }

  @Test
  void aMessageLeftIncompletePastTheIdleTimeoutIsClosedWith1008ThoughTheClientKeepsPonging() throws Exception {
    try (TestServer server = TestServer.start("--idle-timeout", "1s", "--ping-interval", "300ms");
         TestClients clients = new TestClients(server.port());
         RawWebSocket stalling = RawWebSocket.connect(server.port(), "/ws/stall")) {
      Bystander bystander = Bystander.join(clients, "/ws/room");
      stalling.read();
      stalling.send(RawWebSocket.TEXT, false, "never finished".getBytes(StandardCharsets.UTF_8));
      long start = System.nanoTime();
      stalling.setReadTimeout(200);
      RawWebSocket.Frame close = null;
      while (close == null && System.nanoTime() - start < 10_000_000_000L) {
        // A pong every 200 ms keeps the connection from going idle; only the open message can end it.
        stalling.send(RawWebSocket.PONG, true, new byte[0]);
        close = closeFrame(stalling);
      }

      assertThat(close).isNotNull();
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(close.closeReason()).isEqualTo("message not completed in time");
      assertThat(System.nanoTime() - start).isGreaterThan(900_000_000L);
      bystander.assertUnharmed();
      await().until(() -> held(server) == 0);
    }
  }

  /** The close frame the server sent, or null when none arrived within the socket's read timeout. */
  private static RawWebSocket.Frame closeFrame(RawWebSocket socket) throws IOException {
    socket.setReadTimeout(200);
    try {
      return socket.readClose();
    } catch (SocketTimeoutException stillOpen) {
      return null;
    }
  }

  private static double held(TestServer server) throws Exception {
    return Scrape.of(server.managementPort()).value(HELD);
  }

  private static double disconnects(TestServer server, String code) throws Exception {
    return Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"" + code + "\"}");
  }
}
