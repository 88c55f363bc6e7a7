package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerProcess;
import io.chorus.support.Sockets;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A server whose open-file limit is nearly used up by clients: with the default limits it refuses what it cannot
 * take with 503 or an immediate close, never fails to accept for lack of descriptors, and takes clients again as soon
 * as some leave. A server that runs out of descriptors while accepting may stop accepting for good.
 */
class OpenFileLimitIT {

  @Test
  void atTheOpenFileLimitTheServerRefusesCleanlyAndAcceptsAgainWhenClientsLeave() throws Exception {
    // 600 descriptors: by default 300 WebSockets, a TCP budget of 450, and 150 left for the JVM itself.
    try (ServerProcess server = ServerProcess.startWithOpenFileLimit(600, "--host", "127.0.0.1", "--port", "0",
        "--handshake-timeout", "5m")) {
      List<RawWebSocket> webSockets = new ArrayList<>();
      List<SocketChannel> idle = new ArrayList<>();
      try {
        for (int i = 0; i < 300; i++) {
          RawWebSocket socket = RawWebSocket.connect(server.port(), "/ws/crowded");
          assertThat(socket.status()).isEqualTo(101);
          webSockets.add(socket);
        }
        try (RawWebSocket refused = RawWebSocket.connect(server.port(), "/ws/crowded")) {
          assertThat(refused.status()).isEqualTo(503);
        }
        // A burst well past the TCP budget, all connecting at once: the server closes what it cannot keep as it
        // accepts it, instead of running out of descriptors.
        for (int i = 0; i < 1_500; i++) {
          SocketChannel socket = SocketChannel.open();
          socket.configureBlocking(false);
          socket.connect(new InetSocketAddress("127.0.0.1", server.port()));
          idle.add(socket);
        }
        // 300 WebSockets leave 150 of the 450 TCP slots: every other connection of the burst is closed.
        await().atMost(Duration.ofSeconds(30)).until(() -> idle.stream().filter(Sockets::closedByServer).count(),
            closed -> closed >= 1_500 - 150);

        for (int i = 0; i < 10; i++) {
          webSockets.remove(webSockets.size() - 1).close();
        }
        for (SocketChannel socket : idle) {
          socket.close();
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> {
          try (RawWebSocket again = RawWebSocket.connect(server.port(), "/ws/crowded")) {
            return again.status() == 101;
          } catch (IOException closedAtOnce) {
            return false;
          }
        });
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> live = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.managementPort() + "/health/live")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(server.output()).doesNotContain("Too many open files");
      } finally {
        for (RawWebSocket socket : webSockets) {
          socket.close();
        }
        for (SocketChannel socket : idle) {
          socket.close();
        }
      }
    }
  }
}
