package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerProcess;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** SIGTERM drains the node: not ready at once, 503 to newcomers, 1001 spread over the drain period, exit 0. */
class DrainIT {

  @Test
  void sigtermDrainsConnectionsEvenlyOverTheDrainPeriodAndExitsZero() throws Exception {
    int connections = 40;
    try (ServerProcess server = ServerProcess.start("--host", "127.0.0.1", "--port", "0", "--drain-period", "2s",
        "--close-timeout", "1s");
         TestClients clients = new TestClients(server.port())) {
      List<TestSocket> sockets = clients.connect("/ws/draining", connections);
      Map<TestSocket, Long> closedAt = new ConcurrentHashMap<>();
      for (TestSocket socket : sockets) {
        socket.webSocket().closeHandler(v -> closedAt.put(socket, System.nanoTime()));
      }
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      assertThat(readiness(http, server.managementPort())).isEqualTo(200);

      long signalled = System.nanoTime();
      server.terminate();

      // At once, in the server's terms; three seconds leave room for a busy machine to deliver the signal.
      await().atMost(Duration.ofSeconds(3)).until(() -> readiness(http, server.managementPort()) == 503);
      try (RawWebSocket newcomer = RawWebSocket.connect(server.port(), "/ws/draining")) {
        assertThat(newcomer.status()).isEqualTo(503);
        assertThat(newcomer.body()).startsWith("Server is shutting down");
      }
      assertThat(server.awaitExit(Duration.ofSeconds(10))).isZero();
      long exitedMillis = (System.nanoTime() - signalled) / 1_000_000;

      assertThat(closedAt).hasSize(connections);
      for (TestSocket socket : sockets) {
        assertThat(socket.closeStatus()).isEqualTo((short) 1001);
        assertThat(socket.closeReason()).isEqualTo("server shutting down");
      }
      List<Long> offsets = closedAt.values().stream().map(at -> (at - signalled) / 1_000_000).sorted().toList();
      long firstMillis = offsets.get(0);
      long lastMillis = offsets.get(offsets.size() - 1);
      long firstHalf = offsets.stream().filter(at -> at < firstMillis + (lastMillis - firstMillis) / 2).count();
      System.out.printf("drain: %d connections closed between %d ms and %d ms after SIGTERM; exit 0 after %d ms%n",
          connections, firstMillis, lastMillis, exitedMillis);
      // Bands wide enough for a busy machine, narrow enough to fail if the closes bunch up or run past the period.
      assertThat(lastMillis - firstMillis).as("closes spread over the 2 s drain period").isBetween(1_500L, 4_000L);
      assertThat(firstHalf).as("evenly spread, not bunched").isBetween(10L, 30L);
      assertThat(exitedMillis).as("within drain-period + close-timeout + 2 s").isLessThan(5_000);
      assertThat(server.output()).contains("SIGTERM received", "Draining 40 connections over 2s")
          .containsPattern("Drained: closed 40 connections in \\d+\\.\\d s");
    }
  }

  private static int readiness(HttpClient http, int port) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/ready"))
          .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    } catch (java.io.IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }
}
