package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.MemorySampler;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Pings, pongs and close frames obey the bounds data obeys: a ping or pong flood is closed with 1008 at a bounded
 * cost, a backed-up connection owes one pong for the latest ping and sends it once its output drains, and a close
 * frame from a backed-up client still ends its connection within the close timeout.
 */
class ControlFrameIT {

  private static final String CONNECTIONS = "chorus_connections{transport=\"websocket\"}";

  @Test
  void pingFloodFromAClientThatNeverReadsIsClosedWith1008AtABoundedCost() throws Exception {
    try (ServerProcess server = ServerProcess.start("--host", "127.0.0.1", "--port", "0", "--instances", "1");
         TestClients clients = new TestClients(server.port());
         MemorySampler memory = new MemorySampler(server.managementPort());
         Bystander bystander = Bystander.join(clients, "/ws/bystander");
         RawWebSocket attacker = RawWebSocket.connectWithReceiveBuffer(server.port(), "/ws/attacker", 4096)) {
      assertThat(attacker.status()).isEqualTo(101);
      await().until(() -> memory.peakAllDirectBytes() > 0);
      long before = memory.peakAllDirectBytes();

      // Up to 64 MiB of 125-byte pings, 1,024 to a write; the attacker reads nothing meanwhile.
      byte[] batch = frames(RawWebSocket.PING, 1_024, 125);
      long sent = 0;
      try {
        while (sent < 64L << 20) {
          attacker.sendBytes(batch);
          sent += batch.length;
        }
      } catch (IOException closedByServer) {
        // The server has closed the connection: the flood is over.
      }

      RawWebSocket.Frame close = attacker.readClose();
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(close.closeReason()).isEqualTo("too many control frames");
      assertThat(attacker.awaitEndOfStream()).isTrue();
      assertThat(sent).as("ping bytes the server took before closing").isLessThan(16L << 20);
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"1008\"}") == 1);
      bystander.assertUnharmed();
      System.out.printf("ping flood: %.1f MiB sent before the close; server direct memory %.1f MiB before, peak %.1f"
          + " MiB%n", sent / 1048576.0, before / 1048576.0, memory.peakAllDirectBytes() / 1048576.0);
      assertThat(memory.peakAllDirectBytes() - before).as("direct memory the flood cost").isLessThan(16L << 20);
    }
  }

  @Test
  void unsolicitedPongsCountAgainstTheSameBudget() throws Exception {
    try (TestServer server = TestServer.start();
         RawWebSocket client = RawWebSocket.connect(server.port(), "/ws/pongs")) {
      assertThat(client.read().text()).isEqualTo(TestSocket.WELCOME);

      client.sendBytes(frames(RawWebSocket.PONG, 200, 8));

      RawWebSocket.Frame close = client.readClose();
      assertThat(close.closeCode()).isEqualTo(1008);
      assertThat(close.closeReason()).isEqualTo("too many control frames");
      assertThat(client.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void backedUpClientGetsOnePongForItsLatestPingOnceItReadsAgain() throws Exception {
    try (TestServer server = TestServer.start("--slow-consumer-policy", "drop", "--rate-limit", "0",
        "--max-pending-output", "64KiB");
         TestClients clients = new TestClients(server.port())) {
      TestSocket sender = clients.connect("/ws/backlog");
      RawWebSocket stalled = backedUp(server, sender, "/ws/backlog");

      for (String payload : List.of("first", "second", "latest")) {
        stalled.send(RawWebSocket.PING, true, payload.getBytes(StandardCharsets.UTF_8));
      }
      // The server reads in order: once the sender hears this, the three pings have been read too.
      stalled.sendText("pinged");
      await().until(() -> sender.texts().contains("pinged"));

      List<String> pongs = new ArrayList<>();
      RawWebSocket.Frame frame;
      do {
        frame = stalled.read();
        if (frame.opcode() == RawWebSocket.PONG) {
          pongs.add(frame.text());
        }
      } while (pongs.isEmpty());
      sender.send("drained");
      do {
        frame = stalled.read();
        if (frame.opcode() == RawWebSocket.PONG) {
          pongs.add(frame.text());
        }
      } while (frame.opcode() != RawWebSocket.TEXT || !frame.text().equals("drained"));

      assertThat(pongs).containsExactly("latest");
      stalled.close();
    }
  }

  @Test
  void closeFrameFromABackedUpClientEndsItsConnectionWithinTheCloseTimeout() throws Exception {
    try (TestServer server = TestServer.start("--slow-consumer-policy", "drop", "--rate-limit", "0",
        "--max-pending-output", "64KiB", "--close-timeout", "1s");
         TestClients clients = new TestClients(server.port())) {
      TestSocket sender = clients.connect("/ws/backlog");
      RawWebSocket stalled = backedUp(server, sender, "/ws/backlog");
      assertThat(Scrape.of(server.managementPort()).value(CONNECTIONS)).isEqualTo(2);

      stalled.send(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xE8});

      // The close timer (1 s) ends it, and a scrape or two see it; never read, the echo never leaves the server.
      await().atMost(Duration.ofSeconds(3)).until(() -> Scrape.of(server.managementPort()).value(CONNECTIONS) == 1);
      assertThat(Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"1000\"}")).isEqualTo(1);
      assertThat(sender.isClosed()).isFalse();
      stalled.close();
    }
  }

  /**
   * A client in {@code room} that read its welcome and then stopped reading while {@code sender} broadcast 40 KiB
   * messages, until the server skipped one for it: its pending output is over the bound.
   */
  private static RawWebSocket backedUp(TestServer server, TestSocket sender, String room) throws Exception {
    RawWebSocket stalled = RawWebSocket.connectWithReceiveBuffer(server.port(), room, 4096);
    assertThat(stalled.read().text()).isEqualTo(TestSocket.WELCOME);
    byte[] message = new byte[40 * 1024];
    // Loopback send buffers grow to a few MiB: up to 16 MiB, one message at a time, each heard back by the sender
    // before the next, so that only the stalled client can fall behind by more than the bound.
    for (int sent = 1; sent <= 400; sent++) {
      int expected = sender.messageCount() + 1;
      sender.send(message);
      await().until(() -> sender.messageCount() >= expected);
      if (sent % 20 == 0
          && Scrape.of(server.managementPort()).value("chorus_messages_dropped_total{reason=\"slow_consumer\"}") > 0) {
        return stalled;
      }
    }
    throw new AssertionError("the stalled client's output never passed its bound");
  }

  private static byte[] frames(int opcode, int count, int payloadBytes) {
    ByteArrayOutputStream frames = new ByteArrayOutputStream();
    byte[] payload = new byte[payloadBytes];
    for (int i = 0; i < count; i++) {
      frames.writeBytes(RawWebSocket.frame(0x80 | opcode, payload));
    }
    return frames.toByteArray();
  }
}
