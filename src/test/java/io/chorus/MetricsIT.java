package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** After real traffic, /metrics says exactly what happened. */
class MetricsIT {

  private static final String CONNECTIONS = "chorus_connections{transport=\"websocket\"}";
  private static final String RECEIVED = "chorus_messages_received_total";
  private static final String DELIVERED = "chorus_messages_delivered_total";
  private static final String LATENCY_COUNT = "chorus_delivery_latency_seconds_count";

  private TestServer server;
  private TestClients clients;

  @BeforeEach
  void start() throws Exception {
    server = TestServer.start("--instances", "2");
    clients = new TestClients(server.port());
  }

  @AfterEach
  void stop() throws Exception {
    clients.close();
    server.close();
  }

  @Test
  void connectionsMessagesDeliveriesAndLatencyMatchTheTraffic() throws Exception {
    List<TestSocket> sockets = clients.connect("/ws/metered", 3);
    Scrape before = scrape();
    assertThat(before.value(CONNECTIONS)).isEqualTo(3);
    assertThat(before.value("chorus_rooms")).isEqualTo(1);
    assertThat(before.value("chorus_handshakes_total{outcome=\"accepted\"}")).isEqualTo(3);
    // Vert.x's own count of TCP connections on the HTTP server: the three WebSockets and this scrape's connection.
    assertThat(before.value("vertx_http_server_active_connections")).isGreaterThanOrEqualTo(3);

    sockets.get(0).send("twelve bytes");
    for (TestSocket socket : sockets) {
      await().until(() -> socket.messageCount() == 1);
    }

    Scrape after = scrape();
    assertThat(after.value(RECEIVED) - before.value(RECEIVED)).isEqualTo(1);
    assertThat(after.value("chorus_bytes_received_total") - before.value("chorus_bytes_received_total")).isEqualTo(12);
    assertThat(after.value(DELIVERED) - before.value(DELIVERED)).isEqualTo(3);
    assertThat(after.value("chorus_bytes_delivered_total") - before.value("chorus_bytes_delivered_total"))
        .isEqualTo(36);
    assertThat(after.value(LATENCY_COUNT) - before.value(LATENCY_COUNT)).isBetween(1.0, 2.0);

    sockets.get(2).close();
    await().until(() -> scrape().value(CONNECTIONS) == 2);
    assertThat(scrape().value("chorus_disconnects_total{code=\"1000\"}")).isEqualTo(1);
  }

  @Test
  void vertxCountsEachWebSocketAsAnHttpServerConnectionUntilItCloses() throws Exception {
    String active = "vertx_http_server_active_connections";
    Scrape alone = scrape();
    List<TestSocket> sockets = clients.connect("/ws/counted", 3);
    await().until(() -> scrape().value(active) >= alone.value(active) + 3);
    double withThree = scrape().value(active);

    sockets.get(0).close();
    sockets.get(1).close();
    RawWebSocket vanishing = RawWebSocket.connect(server.port(), "/ws/counted");
    vanishing.read();
    vanishing.reset();

    // Upgraded connections leave Vert.x's HTTP layer, but not its count: a close frame and a reset both count down.
    await().until(() -> scrape().value(CONNECTIONS) == 1);
    await().until(() -> scrape().value(active) <= withThree - 2);
    assertThat(scrape().value(active)).isGreaterThanOrEqualTo(alone.value(active) + 1);
  }

  @Test
  void latencyIsRecordedOncePerMessageAndEventLoop() throws Exception {
    // Twenty connections are spread round-robin over both event loops, so each message is written out by two hubs.
    List<TestSocket> sockets = clients.connect("/ws/two-loops", 20);
    Scrape before = scrape();

    for (int i = 0; i < 5; i++) {
      sockets.get(i).send("message " + i);
    }
    for (TestSocket socket : sockets) {
      await().until(() -> socket.messageCount() == 5);
    }

    Scrape after = scrape();
    assertThat(after.value(LATENCY_COUNT) - before.value(LATENCY_COUNT)).isEqualTo(10);
    assertThat(after.value(DELIVERED) - before.value(DELIVERED)).isEqualTo(100);
    assertThat(after.value("chorus_delivery_latency_seconds_bucket{le=\"10.0\"}")).isEqualTo(after.value(LATENCY_COUNT));
  }

  @Test
  void emptiedRoomsUnregisterTheirConsumersAndLeaveTheGauges() throws Exception {
    double handlersBefore = scrape().has("vertx_eventbus_handlers") ? scrape().sum("vertx_eventbus_handlers") : 0;
    List<TestSocket> sockets = new ArrayList<>();
    for (String room : List.of("first", "second", "third")) {
      sockets.addAll(clients.connect("/ws/" + room, 4));
    }
    Scrape busy = scrape();
    assertThat(busy.value("chorus_rooms")).isEqualTo(3);
    // Three rooms with connections on both event loops: one consumer per (event loop, room), not one per connection.
    assertThat(busy.sum("vertx_eventbus_handlers") - handlersBefore).isEqualTo(6);

    for (TestSocket socket : sockets) {
      socket.close();
    }

    await().until(() -> scrape().value("chorus_rooms") == 0);
    await().until(() -> scrape().sum("vertx_eventbus_handlers") == handlersBefore);
    assertThat(scrape().value(CONNECTIONS)).isZero();
  }

  @Test
  void refusedHandshakesAndAbnormalClosuresAreCountedByOutcomeAndCode() throws Exception {
    try (RawWebSocket badRoom = RawWebSocket.connect(server.port(), "/ws/bad%20room");
         RawWebSocket noEndpoint = RawWebSocket.connect(server.port(), "/elsewhere");
         RawWebSocket noKey = RawWebSocket.connect(server.port(), "/ws/x", noKeyHeader())) {
      assertThat(badRoom.status()).isEqualTo(400);
      assertThat(noEndpoint.status()).isEqualTo(404);
      assertThat(noKey.status()).isEqualTo(400);
    }
    RawWebSocket vanishing = RawWebSocket.connect(server.port(), "/ws/x");
    vanishing.read();
    vanishing.reset();

    await().until(() -> scrape().value("chorus_disconnects_total{code=\"1006\"}") == 1);
    Scrape scrape = scrape();
    assertThat(scrape.value("chorus_handshakes_total{outcome=\"invalid_room\"}")).isEqualTo(1);
    assertThat(scrape.value("chorus_handshakes_total{outcome=\"not_found\"}")).isEqualTo(1);
    assertThat(scrape.value("chorus_handshakes_total{outcome=\"bad_request\"}")).isEqualTo(1);
  }

  @Test
  void noLabelCarriesARoomNameAndProcessMetersArePresent() throws Exception {
    TestSocket socket = clients.connect("/ws/secret-room-name-42");
    socket.send("x");
    await().until(() -> socket.messageCount() == 1);

    Scrape scrape = scrape();
    assertThat(scrape.text()).doesNotContain("secret-room-name-42");
    assertThat(scrape.sum("jvm_memory_used_bytes", "area=\"heap\"")).isPositive();
    assertThat(scrape.has("jvm_buffer_memory_used_bytes")).isTrue();
    assertThat(scrape.has("netty_allocator_memory_used")).isTrue();
    assertThat(scrape.has("jvm_gc_pause_seconds_count") || scrape.has("jvm_gc_live_data_size_bytes")).isTrue();
    assertThat(scrape.value("process_files_open_files")).isPositive();
    assertThat(scrape.has("process_cpu_usage")).isTrue();
    assertThat(scrape.has("jvm_threads_live_threads")).isTrue();
    assertThat(scrape.has("vertx_eventbus_published_total")).isTrue();
  }

  private static Map<String, String> noKeyHeader() {
    Map<String, String> headers = new java.util.HashMap<>();
    headers.put("Sec-WebSocket-Key", null);
    return headers;
  }

  private Scrape scrape() throws Exception {
    return Scrape.of(server.managementPort());
  }
}
