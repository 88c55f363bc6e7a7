package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node whose direct memory runs out keeps serving: Netty's allocations past the limit fail at once, the
 * connections they were for are closed, and no event loop waits for memory. The server runs in a JVM of its own
 * with 16 MiB of direct memory; each attacker holds most of a 64,000-byte frame in the server's decoder. The budget
 * for incomplete input, which would close the attackers long before (IncompleteInputIT), is lifted so that the
 * memory runs out: this is the line of defence behind it.
 */
class DirectMemoryIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void exhaustedDirectMemoryClosesConnectionsWithoutStallingTheEventLoop() throws Exception {
    List<RawWebSocket> attackers = new ArrayList<>();
    try (ServerProcess server = ServerProcess.start(List.of("-XX:MaxDirectMemorySize=16m"),
        "--host", "127.0.0.1", "--port", "0", "--instances", "1", "--max-incomplete-input", "1GiB");
         TestClients clients = new TestClients(server.port());
         Bystander bystander = Bystander.join(clients, "/ws/bystander")) {
      byte[] partialFrame = partialFrame(64_000, 60_000);

      // 400 connections each holding 60,000 bytes: 23 MiB, more than the server's 16 MiB of direct memory.
      for (int i = 0; i < 400; i++) {
        RawWebSocket attacker = RawWebSocket.connect(server.port(), "/ws/holders");
        attackers.add(attacker);
        if (attacker.status() == 101) {
          attacker.sendBytes(partialFrame);
        }
      }

      assertThat(live(server.managementPort())).isEqualTo(200);
      bystander.assertUnharmed();
      Scrape scrape = Scrape.of(server.managementPort());
      assertThat(scrape.value("netty_direct_memory_used_bytes"))
          .as("direct memory in use, against its limit")
          .isGreaterThan(0.8 * scrape.value("netty_direct_memory_max_bytes"));
      assertThat(scrape.value("chorus_connections{transport=\"websocket\"}"))
          .as("connections still open: the bystander and the holders whose memory was granted")
          .isLessThan(401);
      assertThat(server.output()).doesNotContain("ERROR", "Exception").contains("WARN", "Out of direct memory");
    } finally {
      for (RawWebSocket attacker : attackers) {
        attacker.close();
      }
    }
  }

  /** The header of a masked binary frame of {@code frameBytes} and the first {@code sentBytes} of its payload. */
  private static byte[] partialFrame(int frameBytes, int sentBytes) {
    byte[] whole = RawWebSocket.frame(0x80 | RawWebSocket.BINARY, new byte[frameBytes]);
    int header = whole.length - frameBytes;
    ByteArrayOutputStream partial = new ByteArrayOutputStream();
    partial.write(whole, 0, header + sentBytes);
    return partial.toByteArray();
  }

  private static int live(int port) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/live"))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
