package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.SseStream;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Server-Sent Events over real sockets: the stream, its ids, resume with Last-Event-ID, its limits and refusals. */
class SseIT {

  private static final String SSE_ACCEPTED = "chorus_sse_requests_total{outcome=\"accepted\"}";

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0", "--history-size", "5",
      "--ping-interval", "200ms", "--max-pending-output", "64KiB", "--max-message-size", "16KiB",
      "--allowed-origins", "https://app.example");

  private final Api api = new Api(server.port());

  @Test
  void streamCarriesEachMessageAsAnEventWithItsPositionAsId() throws Exception {
    try (SseStream stream = SseStream.open(server.port(), "/sse/events")) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("content-type")).isEqualTo("text/event-stream; charset=utf-8");
      assertThat(stream.header("cache-control")).isEqualTo("no-cache");
      assertThat(stream.header("x-accel-buffering")).isEqualTo("no");
      assertThat(stream.header("content-encoding")).isNull();
      await().until(() -> stream.events("subscribed").size() == 1);
      JsonObject subscribed = stream.events("subscribed").get(0).json();
      String epoch = subscribed.getString("epoch");

      JsonObject created = api.publish("events", "{\"multi\":\n[1,\r\n2]}");

      await().until(() -> stream.events("message").size() == 1);
      SseStream.Event event = stream.events("message").get(0);
      assertThat(event.id()).isEqualTo(epoch + ":" + created.getLong("seq"));
      assertThat(event.json()).isEqualTo(new JsonObject().put("type", "message").put("room", "events")
          .put("seq", created.getLong("seq")).put("data", new JsonObject().put("multi", List.of(1, 2))));
      assertThat(stream.events().get(0).type()).isEqualTo("welcome");
    }
  }

  @Test
  void lastEventIdResumesWithNoGapAndNoDuplicate() throws Exception {
    String id;
    try (SseStream first = SseStream.open(server.port(), "/sse/resumed")) {
      await().until(() -> first.events("subscribed").size() == 1);
      api.publish("resumed", "1");
      api.publish("resumed", "2");
      await().until(() -> first.messages("resumed").size() == 2);
      id = first.lastEventId();
    }
    api.publish("resumed", "3");
    api.publish("resumed", "4");

    try (SseStream second = SseStream.open(server.port(), "/sse/resumed", Map.of("Last-Event-ID", id))) {
      await().until(() -> second.messages("resumed").size() == 2);
      api.publish("resumed", "5");
      await().until(() -> second.messages("resumed").size() == 3);

      assertThat(second.events("subscribed").get(0).json().getBoolean("recovered")).isTrue();
      assertThat(second.messages("resumed")).extracting(message -> message.getInteger("data")).containsExactly(3, 4, 5);
      long resumedFrom = Long.parseLong(id.substring(id.indexOf(':') + 1));
      assertThat(second.messages("resumed")).extracting(message -> message.getLong("seq"))
          .containsExactlyElementsOf(LongStream.rangeClosed(resumedFrom + 1, resumedFrom + 3).boxed().toList());
    }
  }

  @Test
  void aFirstRequestResumesFromTheSinceInItsQueryAndLastEventIdWinsOverIt() throws Exception {
    JsonObject first = api.publish("since", "1");
    api.publish("since", "2");
    api.publish("since", "3");
    String epoch = first.getString("epoch");
    long seq = first.getLong("seq");

    try (SseStream fromQuery = SseStream.open(server.port(), "/sse/since?since=" + epoch + ":" + seq);
         SseStream fromHeader = SseStream.open(server.port(), "/sse/since?since=" + epoch + ":" + seq,
             Map.of("Last-Event-ID", epoch + ":" + (seq + 1)));
         SseStream severalRooms = SseStream.open(server.port(),
             "/sse?room=since&room=since-other&since=since%3D" + epoch + "%3A" + (seq + 2))) {
      await().until(() -> fromQuery.messages("since").size() == 2 && fromHeader.messages("since").size() == 1
          && severalRooms.events("subscribed").size() == 2);
      api.publish("since", "4");
      await().until(() -> severalRooms.messages("since").size() == 1);

      assertThat(fromQuery.events("subscribed").get(0).json().getBoolean("recovered")).isTrue();
      assertThat(fromQuery.messages("since")).extracting(message -> message.getInteger("data")).startsWith(2, 3);
      assertThat(fromHeader.messages("since")).extracting(message -> message.getInteger("data")).startsWith(3);
      assertThat(severalRooms.messages("since")).extracting(message -> message.getInteger("data")).containsExactly(4);
      assertThat(severalRooms.events("subscribed")).extracting(event -> event.json().getString("room"))
          .containsExactly("since", "since-other");
    }
  }

  @Test
  void aPositionHistoryNoLongerCoversIsAnnouncedAsNotRecoveredFirst() throws Exception {
    try (SseStream other = SseStream.open(server.port(), "/sse/forgotten",
        Map.of("Last-Event-ID", "0123456789abcdef:3"))) {
      await().until(() -> other.events("subscribed").size() == 1);
      api.publish("forgotten", "\"live\"");
      await().until(() -> other.messages("forgotten").size() == 1);

      assertThat(other.events("subscribed").get(0).json().getBoolean("recovered")).isFalse();
      assertThat(other.events()).extracting(SseStream.Event::type).containsExactly("welcome", "subscribed", "message");
    }
  }

  @Test
  void aStreamOfSeveralRoomsCarriesEveryRoomsPositionAndResumesEach() throws Exception {
    String id;
    try (SseStream first = SseStream.open(server.port(), "/sse?room=north&room=south")) {
      await().until(() -> first.events("subscribed").size() == 2);
      api.publish("north", "1");
      api.publish("south", "1");
      await().until(() -> first.events("message").size() == 2);
      id = first.lastEventId();
    }
    assertThat(id).matches("north=[0-9a-f]+:\\d+,south=[0-9a-f]+:\\d+");
    api.publish("south", "2");
    api.publish("north", "2");

    try (SseStream second = SseStream.open(server.port(), "/sse?room=north&room=south", Map.of("Last-Event-ID", id))) {
      await().until(() -> second.events("message").size() == 2);
      assertThat(second.events("subscribed")).allMatch(event -> event.json().getBoolean("recovered"));
      assertThat(second.messages("north")).extracting(message -> message.getInteger("data")).containsExactly(2);
      assertThat(second.messages("south")).extracting(message -> message.getInteger("data")).containsExactly(2);
    }
  }

  @Test
  void sseWebSocketAndHttpPublishersInOneRoomAllSeeTheSameOrder() throws Exception {
    try (SseStream stream = SseStream.open(server.port(), "/sse/mixed")) {
      V1Client v1 = V1Client.connect(server.clients(), "/ws/mixed");
      TestSocket plain = server.clients().connect("/ws/mixed");
      await().until(() -> stream.events("subscribed").size() == 1 && v1.pushes("subscribed", "mixed").size() == 1);

      for (int i = 0; i < 10; i++) {
        api.publish("mixed", "{\"from\":\"http\",\"i\":" + i + "}");
        v1.socket().send(new JsonObject().put("type", "publish").put("room", "mixed")
            .put("data", new JsonObject().put("from", "v1").put("i", i)).encode());
        plain.send("{\"from\":\"plain\",\"i\":" + i + "}");
      }

      await().until(() -> stream.messages("mixed").size() == 30 && v1.pushes("message", "mixed").size() == 30);
      List<Long> seen = stream.messages("mixed").stream().map(message -> message.getLong("seq")).toList();
      assertThat(v1.seqs("mixed")).isEqualTo(seen);
      assertThat(seen).isSorted().doesNotHaveDuplicates();
      assertThat(seen.get(29) - seen.get(0)).isEqualTo(29);
      List<String> sseData = stream.messages("mixed").stream().map(message -> String.valueOf(message.getValue("data"))).toList();
      List<String> v1Data = v1.pushes("message", "mixed").stream().map(message -> String.valueOf(message.getValue("data"))).toList();
      assertThat(sseData).isEqualTo(v1Data);
    }
  }

  @Test
  void aQuietStreamGetsAKeepAliveCommentEveryPingInterval() throws Exception {
    try (SseStream stream = SseStream.open(server.port(), "/sse/quiet")) {
      await().until(() -> stream.comments() >= 3);
      assertThat(stream.ended()).isFalse();
    }
  }

  @Test
  void streamsCountAsSseConnectionsBesideWebSockets() throws Exception {
    double before = Scrape.of(server.managementPort()).value("chorus_connections{transport=\"sse\"}");
    double acceptedBefore = Scrape.of(server.managementPort()).value(SSE_ACCEPTED);
    try (SseStream stream = SseStream.open(server.port(), "/sse/counted")) {
      await().until(() -> Scrape.of(server.managementPort()).value("chorus_connections{transport=\"sse\"}")
          == before + 1);
      assertThat(Scrape.of(server.managementPort()).value(SSE_ACCEPTED)).isEqualTo(acceptedBefore + 1);
      assertThat(Scrape.of(server.managementPort()).has("chorus_connections")).isTrue();
      assertThat(Scrape.of(server.managementPort()).text()).contains("chorus_connections{transport=\"websocket\"}");
    }
    await().until(() -> Scrape.of(server.managementPort()).value("chorus_connections{transport=\"sse\"}") == before);
  }

  @Test
  void refusedStreamsGetTheirStatusAreCountedAndLeaveOthersUnharmed() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/sse-refusals");
    Scrape before = Scrape.of(server.managementPort());
    assertRefused(SseStream.open(server.port(), "/sse"), 400, "Name at least one room");
    assertRefused(SseStream.open(server.port(), "/sse/bad%20room"), 400, "Invalid room name");
    assertRefused(SseStream.open(server.port(), "/sse?room=a&room=a"), 400, "distinct rooms");
    assertRefused(SseStream.open(server.port(), "/sse/a", Map.of("Last-Event-ID", "no-position")), 400,
        "Invalid Last-Event-ID");
    assertRefused(SseStream.open(server.port(), "/sse?room=a", Map.of("Last-Event-ID", "a=e:x")), 400,
        "Invalid Last-Event-ID");
    assertRefused(SseStream.open(server.port(), "/sse/a?since=no-position"), 400, "Invalid since");
    assertRefused(SseStream.open(server.port(), "/sse/a", Map.of("Origin", "https://evil.example")), 403,
        "Origin not allowed");

    Scrape after = Scrape.of(server.managementPort());
    Map.of("bad_request", 5, "invalid_room", 1, "forbidden_origin", 1).forEach((outcome, count) -> {
      String series = "chorus_sse_requests_total{outcome=\"" + outcome + "\"}";
      assertThat(after.value(series) - before.value(series)).as(series).isEqualTo(count.doubleValue());
    });
    assertThat(after.value(SSE_ACCEPTED)).isEqualTo(before.value(SSE_ACCEPTED));
    assertThat(after.sum("chorus_handshakes_total")).as("WebSocket upgrades only")
        .isEqualTo(before.sum("chorus_handshakes_total"));
    bystander.assertUnharmed();
  }

  @Test
  void anAllowedPageOfAnotherOriginMayReadTheStream() throws Exception {
    try (SseStream stream = SseStream.open(server.port(), "/sse/cors", Map.of("Origin", "https://app.example"))) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("access-control-allow-origin")).isEqualTo("https://app.example");
      assertThat(stream.header("access-control-allow-credentials")).isEqualTo("true");
    }
  }

  @Test
  void aStreamWhoseClientDoesNotReadIsClosedAtMaxPendingOutputAndOthersAreUnharmed() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/sse-slow-bystander");
    double streamsBefore = Scrape.of(server.managementPort()).value("chorus_connections{transport=\"sse\"}");
    try (SseStream reader = SseStream.open(server.port(), "/sse/flooded");
         Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new java.net.InetSocketAddress("127.0.0.1", server.port()));
      stalled.getOutputStream().write("GET /sse/flooded HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII));
      await().until(() -> reader.events("subscribed").size() == 1 && Scrape.of(server.managementPort())
          .value("chorus_connections{transport=\"sse\"}") == streamsBefore + 2);
      String big = "\"" + "x".repeat(8 * 1024) + "\"";
      int sent = 0;
      while (Scrape.of(server.managementPort()).value("chorus_connections{transport=\"sse\"}") == streamsBefore + 2
          && sent < 2_000) {
        api.publish("flooded", big);
        sent++;
      }

      assertThat(sent).as("messages until the stalled stream was closed").isLessThan(2_000);
      int published = sent;
      await().until(() -> reader.messages("flooded").size() == published);
      assertThat(reader.ended()).isFalse();
      stalled.setSoTimeout(10_000);
      InputStream in = stalled.getInputStream();
      in.readAllBytes();
      assertThat(in.read()).as("the stalled stream ended by the server").isEqualTo(-1);
    }
    bystander.assertUnharmed();
  }

  @Test
  void underTheDropPolicyAStreamThatFellBehindGetsAGapEventAndTheIdMovesPastIt() throws Exception {
    try (TestServer dropping = TestServer.start("--rate-limit", "0", "--slow-consumer-policy", "drop",
        "--max-pending-output", "64KiB");
         SseStream stalled = SseStream.openPaused(dropping.port(), "/sse/dropped", 4096)) {
      Api droppingApi = new Api(dropping.port());
      String big = "\"" + "x".repeat(8 * 1024) + "\"";
      String dropped = "chorus_messages_dropped_total{reason=\"slow_consumer\"}";
      for (int sent = 0; Scrape.of(dropping.managementPort()).value(dropped) == 0 && sent < 2_000; sent++) {
        droppingApi.publish("dropped", big);
      }
      assertThat(Scrape.of(dropping.managementPort()).value(dropped)).isPositive();

      stalled.resume();
      // Published until one arrives: while the stream is still backed up, these are skipped for it too.
      await().until(() -> {
        droppingApi.publish("dropped", "\"after\"");
        return stalled.messages("dropped").stream().anyMatch(message -> "after".equals(message.getValue("data")));
      });
      String epoch = droppingApi.publish("dropped", "\"last\"").getString("epoch");
      List<SseStream.Event> events = stalled.events();
      SseStream.Event gap = stalled.events("gap").get(0);
      long gapSeq = gap.json().getLong("seq");
      assertThat(gap.id()).isEqualTo(epoch + ":" + gapSeq);
      SseStream.Event next = events.get(events.indexOf(gap) + 1);
      assertThat(next.json().getLong("seq")).isEqualTo(gapSeq + 1);
      List<Long> seqs = stalled.messages("dropped").stream().map(message -> message.getLong("seq")).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates().doesNotContain(gapSeq);
    }
  }

  @Test
  void maxConnectionsCountsStreamsAndTheDrainEndsThem() throws Exception {
    TestServer small = TestServer.start("--max-connections", "2", "--drain-period", "0s");
    List<SseStream> streams = new ArrayList<>();
    try (TestClients clients = new TestClients(small.port())) {
      clients.connect("/ws/full");
      streams.add(SseStream.open(small.port(), "/sse/full"));
      await().until(() -> streams.get(0).events("subscribed").size() == 1);

      SseStream refused = SseStream.open(small.port(), "/sse/full");
      assertRefused(refused, 503, "Server is full");
      assertThat(Scrape.of(small.managementPort()).value("chorus_sse_requests_total{outcome=\"node_full\"}"))
          .isEqualTo(1);

      Future<Void> stopped = small.chorus().stop();
      await().until(() -> streams.get(0).ended());
      stopped.await(30, TimeUnit.SECONDS);
    } finally {
      for (SseStream stream : streams) {
        stream.close();
      }
    }
  }

  @Test
  void aStreamAskedForWhileTheNodeDrainsIsRefusedAndCounted() throws Exception {
    // Stopped by the test itself: not closed again.
    TestServer draining = TestServer.start("--drain-period", "2s");
    try (TestClients clients = new TestClients(draining.port())) {
      // Closed one after another over the drain period, they keep the node draining while the stream is asked for.
      clients.connect("/ws/keeps-the-drain-going", 20);

      Future<Void> stopped = draining.chorus().stop();

      assertRefused(SseStream.open(draining.port(), "/sse/late"), 503, "Server is shutting down");
      assertThat(Scrape.of(draining.managementPort()).value("chorus_sse_requests_total{outcome=\"draining\"}"))
          .isEqualTo(1);
      stopped.await(30, TimeUnit.SECONDS);
    }
  }

  private static void assertRefused(SseStream refused, int status, String reason) throws Exception {
    try (refused) {
      assertThat(refused.status()).isEqualTo(status);
      assertThat(refused.body()).contains(reason);
    }
  }
}
