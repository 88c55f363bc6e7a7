package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.ServerFixture;
import io.chorus.support.SseStream;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Presence on one node: who is in a room over every transport, its counts, its cap, and join and leave pushes. */
class PresenceIT {

  /** A reply may carry half of max-pending-output of listed connections: 2 KiB here, about 48 of them. */
  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0", "--max-pending-output", "4KiB",
      "--presence-rooms", "announced, team-*");

  @Test
  void presenceListsEveryConnectionInTheRoomWhateverCarriesItAndCountsThem() throws Exception {
    String room = "gathering";
    V1Client asking = V1Client.connect(server.clients(), "/ws");
    asking.subscribe(room);
    TestSocket plain = server.clients().connect("/ws/" + room);
    try (SseStream sse = SseStream.open(server.port(), "/sse/" + room)) {
      await().until(() -> sse.events("subscribed").size() == 1);
      String sseClient = sse.events("welcome").get(0).json().getString("client");

      JsonObject presence = asking.request(command("presence", room));
      assertThat(presence.getString("type")).isEqualTo("presence");
      assertThat(presence.getString("room")).isEqualTo(room);
      assertThat(presence.containsKey("truncated")).isFalse();
      JsonArray clients = presence.getJsonArray("clients");
      assertThat(clients).hasSize(3);
      assertThat(ids(clients)).contains(asking.welcome().getString("client"), sseClient);
      assertThat(clients.stream().map(JsonObject.class::cast)).allSatisfy(client -> {
        assertThat(client.containsKey("user")).isTrue();
        assertThat(client.getString("user")).as("an anonymous connection's user").isNull();
        assertThat(client.containsKey("info")).isFalse();
      });

      JsonObject stats = asking.request(command("presence_stats", room));
      assertThat(stats.getString("type")).isEqualTo("presence_stats");
      assertThat(stats.getInteger("connections")).isEqualTo(3);
      assertThat(stats.getInteger("users")).isZero();

      HttpResponse<String> overHttp = new Api(server.port()).get("/api/rooms/" + room + "/presence");
      assertThat(overHttp.statusCode()).isEqualTo(200);
      JsonObject shown = new JsonObject(overHttp.body());
      assertThat(shown.getInteger("connections")).isEqualTo(3);
      assertThat(ids(shown.getJsonArray("clients"))).isEqualTo(ids(clients));
    }
    plain.close();
    await().until(() -> presenceOverHttp(room).getInteger("connections") == 1);
    assertThat(ids(presenceOverHttp(room).getJsonArray("clients"))).containsExactly(asking.welcome().getString("client"));
    asking.request(command("unsubscribe", room));
    JsonObject empty = presenceOverHttp(room);
    assertThat(empty.getInteger("connections")).isZero();
    assertThat(empty.getJsonArray("clients")).isEmpty();
  }

  @Test
  void aRoomWithMoreConnectionsThanAReplyHoldsIsListedInPartAndSaysTruncated() throws Exception {
    String room = "crowd";
    int crowd = 60;
    server.clients().connect("/ws/" + room, crowd);
    V1Client asking = V1Client.connect(server.clients(), "/ws/" + room);
    await().until(() -> asking.pushes("subscribed", room).size() == 1);

    JsonObject presence = asking.request(command("presence", room));
    assertThat(presence.getBoolean("truncated")).isTrue();
    assertThat(presence.getJsonArray("clients").size()).isBetween(1, crowd);
    assertThat(asking.request(command("presence_stats", room)).getInteger("connections")).isEqualTo(crowd + 1);
    JsonObject overHttp = presenceOverHttp(room);
    assertThat(overHttp.getBoolean("truncated")).isTrue();
    assertThat(overHttp.getInteger("connections")).isEqualTo(crowd + 1);
  }

  @Test
  void joinsAndLeavesArePushedInAnnouncedRoomsOnly() throws Exception {
    V1Client watcher = V1Client.connect(server.clients(), "/ws");
    String watcherId = watcher.welcome().getString("client");
    watcher.subscribe("team-red");
    watcher.subscribe("quiet");
    V1Client comer = V1Client.connect(server.clients(), "/ws");
    String comerId = comer.welcome().getString("client");

    comer.subscribe("team-red");
    comer.subscribe("quiet");
    TestSocket plain = server.clients().connect("/ws/team-red");
    await().until(() -> watcher.pushes("join", "team-red").size() == 3);
    comer.request(command("unsubscribe", "team-red"));
    comer.request(command("unsubscribe", "quiet"));
    await().until(() -> watcher.pushes("leave", "team-red").size() == 1);

    List<JsonObject> joins = watcher.pushes("join", "team-red");
    assertThat(joins.get(0).getString("client")).as("the watcher's own join").isEqualTo(watcherId);
    assertThat(joins.get(1).getString("client")).isEqualTo(comerId);
    assertThat(joins.get(1).containsKey("user")).isTrue();
    assertThat(joins.get(1).getString("user")).isNull();
    assertThat(joins.get(2).getString("client")).as("the plain client's join").isNotIn(watcherId, comerId);
    assertThat(watcher.pushes("leave", "team-red").get(0).getString("client")).isEqualTo(comerId);
    watcher.publish("quiet", "after the leave");
    await().until(() -> watcher.data("quiet").contains("after the leave"));
    assertThat(watcher.pushes("join", "quiet")).as("joins of a room that does not announce them").isEmpty();
    assertThat(watcher.pushes("leave", "quiet")).isEmpty();
    assertThat(plain.texts()).as("what a plain client, which has no words for joins, received").isEmpty();
  }

  @Test
  void presenceOfARoomNotSubscribedToOrOfAnInvalidRoomIsRefusedAndOthersAreUnharmed() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/presence-bystander");
    V1Client prying = V1Client.connect(server.clients(), "/ws");

    JsonObject notSubscribed = prying.request(command("presence", "presence-bystander"));
    JsonObject statsNotSubscribed = prying.request(command("presence_stats", "presence-bystander"));
    JsonObject invalid = prying.request(command("presence", "no spaces"));
    JsonObject missing = prying.request(new JsonObject().put("type", "presence"));

    assertThat(notSubscribed.getString("type")).isEqualTo("error");
    assertThat(notSubscribed.getString("code")).isEqualTo("not_subscribed");
    assertThat(statsNotSubscribed.getString("code")).isEqualTo("not_subscribed");
    assertThat(invalid.getString("code")).isEqualTo("invalid_room");
    assertThat(missing.getString("code")).isEqualTo("bad_request");
    HttpResponse<String> invalidOverHttp = new Api(server.port()).get("/api/rooms/no%20spaces/presence");
    assertThat(invalidOverHttp.statusCode()).isEqualTo(400);
    assertThat(new JsonObject(invalidOverHttp.body()).getString("type")).isEqualTo("urn:chorus:problem:invalid-room");
    HttpResponse<String> posted = new Api(server.port()).send("POST", "/api/rooms/lobby/presence",
        Map.of("Content-Type", "application/json"), "{}".getBytes());
    assertThat(posted.statusCode()).isEqualTo(405);
    assertThat(posted.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    bystander.assertUnharmed();
    bystander.close();
  }

  private static JsonObject command(String type, String room) {
    return new JsonObject().put("type", type).put("room", room);
  }

  private static JsonObject presenceOverHttp(String room) throws Exception {
    return new JsonObject(new Api(server.port()).get("/api/rooms/" + room + "/presence").body());
  }

  private static Set<String> ids(JsonArray clients) {
    return clients.stream().map(client -> ((JsonObject) client).getString("client")).collect(Collectors.toSet());
  }
}
