package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The structured protocol, chorus.v1, over real WebSockets: negotiation, every command and error, resume. */
class ChorusV1IT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0", "--max-rooms-per-connection", "3",
      "--history-size", "50", "--max-message-size", "4KiB", "--max-pending-output", "64KiB");

  @Test
  void clientOfferingChorusV1AmongOthersGetsItSelected() throws Exception {
    try (RawWebSocket offered = RawWebSocket.connect(server.port(), "/ws",
        Map.of("Sec-WebSocket-Protocol", "mqtt, chorus.v1"))) {
      assertThat(offered.status()).isEqualTo(101);
      assertThat(offered.header("Sec-WebSocket-Protocol")).isEqualTo("chorus.v1");
      JsonObject welcome = new JsonObject(offered.read().text());
      assertThat(welcome.getString("type")).isEqualTo("welcome");
      assertThat(welcome.getString("message")).isEqualTo("Welcome to the chat!");
      assertThat(welcome.getString("protocol")).isEqualTo("chorus.v1");
      assertThat(welcome.getString("client")).hasSize(16);
      assertThat(welcome.getInteger("max_message_size")).as("--max-message-size 4KiB").isEqualTo(4096);
    }
  }

  @Test
  void clientOfferingOnlyUnknownProtocolsGetsPlainModeAndNoSelectedProtocol() throws Exception {
    try (RawWebSocket unknown = RawWebSocket.connect(server.port(), "/ws/lobby",
        Map.of("Sec-WebSocket-Protocol", "mqtt"))) {
      assertThat(unknown.status()).isEqualTo(101);
      assertThat(unknown.header("Sec-WebSocket-Protocol")).isNull();
      assertThat(unknown.read().text()).isEqualTo(TestSocket.WELCOME);
    }
  }

  @Test
  void connectionOnARoomPathStartsSubscribedAndOneOnWsStartsWithNoRoom() throws Exception {
    V1Client inRoom = V1Client.connect(server.clients(), "/ws/path-room");
    V1Client noRoom = V1Client.connect(server.clients(), "/ws");

    await().until(() -> inRoom.pushes("subscribed", "path-room").size() == 1);
    JsonObject subscribed = inRoom.pushes("subscribed", "path-room").get(0);
    assertThat(subscribed.getString("epoch")).isNotEmpty();
    assertThat(subscribed.getLong("seq")).isZero();
    assertThat(subscribed.containsKey("recovered")).isFalse();
    noRoom.publish("path-room", "hello");
    await().until(() -> inRoom.data("path-room").equals(List.of("hello")));
    assertThat(noRoom.received()).extracting(json -> json.getString("type")).containsExactly("ack");
  }

  @Test
  void publishIsAcknowledgedWithItsSequenceNumberAndReachesSubscribersInOrder() throws Exception {
    V1Client subscriber = V1Client.connect(server.clients(), "/ws");
    V1Client publisher = V1Client.connect(server.clients(), "/ws");
    JsonObject subscribed = subscriber.subscribe("ordered");
    assertThat(subscribed.getString("type")).isEqualTo("subscribed");
    long start = subscribed.getLong("seq");

    List<Long> acks = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      JsonObject ack = publisher.publish("ordered", new JsonObject().put("n", i));
      assertThat(ack.getString("type")).isEqualTo("ack");
      assertThat(ack.getString("room")).isEqualTo("ordered");
      acks.add(ack.getLong("seq"));
    }

    assertThat(acks).isEqualTo(LongStream.rangeClosed(start + 1, start + 20).boxed().toList());
    await().until(() -> subscriber.seqs("ordered").size() == 20);
    assertThat(subscriber.seqs("ordered")).isEqualTo(acks);
    assertThat(subscriber.data("ordered").get(3)).isEqualTo(new JsonObject().put("n", 3));
  }

  @Test
  void stringNumberArrayAndBinaryDataArriveAsTheyWerePublished() throws Exception {
    V1Client client = V1Client.connect(server.clients(), "/ws");
    client.subscribe("kinds");
    byte[] bytes = {0, 1, 2, (byte) 0xFF};

    client.publish("kinds", "text with \"quotes\" and \n newline");
    client.publish("kinds", 42.5);
    client.publish("kinds", new JsonArray().add(1).add("two").addNull());
    client.request(new JsonObject().put("type", "publish").put("room", "kinds")
        .put("binary", Base64.getEncoder().encodeToString(bytes)));

    await().until(() -> client.pushes("message", "kinds").size() == 4);
    List<JsonObject> messages = client.pushes("message", "kinds");
    assertThat(messages.get(0).getValue("data")).isEqualTo("text with \"quotes\" and \n newline");
    assertThat(messages.get(1).getValue("data")).isEqualTo(42.5);
    assertThat(messages.get(2).getValue("data")).isEqualTo(new JsonArray().add(1).add("two").addNull());
    assertThat(messages.get(3).containsKey("data")).isFalse();
    assertThat(Base64.getDecoder().decode(messages.get(3).getString("binary"))).isEqualTo(bytes);
  }

  @Test
  void plainAndStructuredClientsShareARoom() throws Exception {
    TestSocket plain = server.clients().connect("/ws/mixed");
    V1Client structured = V1Client.connect(server.clients(), "/ws/mixed");
    await().until(() -> structured.pushes("subscribed", "mixed").size() == 1);
    byte[] bytes = {7, 8, 9};

    plain.send("from plain");
    plain.send(bytes);
    await().until(() -> structured.pushes("message", "mixed").size() == 2);
    structured.publish("mixed", "a bare string");
    structured.publish("mixed", new JsonObject().put("text", "an object"));
    structured.request(new JsonObject().put("type", "publish").put("room", "mixed")
        .put("binary", Base64.getEncoder().encodeToString(bytes)));

    await().until(() -> structured.pushes("message", "mixed").size() == 5);
    List<JsonObject> seen = structured.pushes("message", "mixed");
    assertThat(seen.get(0).getValue("data")).isEqualTo("from plain");
    assertThat(Base64.getDecoder().decode(seen.get(1).getString("binary"))).isEqualTo(bytes);
    await().until(() -> plain.messageCount() == 5);
    List<TestSocket.Received> plainSaw = plain.messages();
    assertThat(plainSaw.get(2).text()).isEqualTo("a bare string");
    assertThat(new JsonObject(plainSaw.get(3).text())).isEqualTo(new JsonObject().put("text", "an object"));
    assertThat(plainSaw.get(4).binary()).isTrue();
    assertThat(plainSaw.get(4).data()).isEqualTo(bytes);
  }

  @Test
  void resumeAfterAReconnectDeliversEveryMissedMessageOnceInOrderThenLiveOnes() throws Exception {
    V1Client first = V1Client.connect(server.clients(), "/ws");
    V1Client publisher = V1Client.connect(server.clients(), "/ws");
    JsonObject subscribed = first.subscribe("resume");
    publisher.publish("resume", "before 1");
    publisher.publish("resume", "before 2");
    await().until(() -> first.seqs("resume").size() == 2);
    long lastSeen = first.seqs("resume").get(1);
    first.close();

    for (int i = 1; i <= 10; i++) {
      publisher.publish("resume", "missed " + i);
    }
    V1Client back = V1Client.connect(server.clients(), "/ws");
    JsonObject resumed = back.resume("resume", subscribed.getString("epoch"), lastSeen);
    publisher.publish("resume", "live");

    assertThat(resumed.getBoolean("recovered")).isTrue();
    assertThat(resumed.getLong("seq")).isEqualTo(lastSeen + 10);
    assertThat(back.received().get(0)).as("the reply comes before the missed messages").isEqualTo(resumed);
    await().until(() -> back.data("resume").size() == 11);
    List<Object> expected = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      expected.add("missed " + i);
    }
    expected.add("live");
    assertThat(back.data("resume")).isEqualTo(expected);
    assertThat(back.seqs("resume")).isEqualTo(LongStream.rangeClosed(lastSeen + 1, lastSeen + 11).boxed().toList());
    assertThat(recoveredResumes()).isPositive();
  }

  @Test
  void resumeOfMoreThanTheOutputBoundIsPacedByTheReaderNotClosedAsSlow() throws Exception {
    V1Client publisher = V1Client.connect(server.clients(), "/ws");
    String epoch = publisher.subscribe("big-resume").getString("epoch");
    for (int i = 1; i <= 50; i++) {
      publisher.publish("big-resume", i + "y".repeat(3500));
    }
    V1Client back = V1Client.connect(server.clients(), "/ws");

    JsonObject resumed = back.resume("big-resume", epoch, 0);

    assertThat(resumed.getBoolean("recovered")).isTrue();
    await().until(() -> back.seqs("big-resume").size() == 50);
    assertThat(back.seqs("big-resume")).isEqualTo(LongStream.rangeClosed(1, 50).boxed().toList());
    assertThat(back.socket().isClosed()).isFalse();
  }

  @Test
  void resumeFromAnUnknownEpochOrBeyondHistoryIsNotRecovered() throws Exception {
    V1Client publisher = V1Client.connect(server.clients(), "/ws");
    for (int i = 0; i < 60; i++) {
      publisher.publish("long-gone", i);
    }
    String epoch = publisher.subscribe("long-gone").getString("epoch");
    V1Client client = V1Client.connect(server.clients(), "/ws");

    JsonObject otherEpoch = client.resume("long-gone", "not-the-epoch", 3);
    client.request(new JsonObject().put("type", "unsubscribe").put("room", "long-gone"));
    JsonObject beyondHistory = client.resume("long-gone", epoch, 1);

    assertThat(otherEpoch.getBoolean("recovered")).isFalse();
    assertThat(beyondHistory.getBoolean("recovered")).isFalse();
    assertThat(beyondHistory.getLong("seq")).isEqualTo(60);
    assertThat(client.pushes("message", "long-gone")).isEmpty();
  }

  @Test
  void historyReturnsTheNewestMessagesAfterThePositionOldestFirst() throws Exception {
    V1Client client = V1Client.connect(server.clients(), "/ws");
    for (int i = 1; i <= 8; i++) {
      client.publish("history", "m" + i);
    }
    String epoch = client.subscribe("history").getString("epoch");

    JsonObject all = client.request(new JsonObject().put("type", "history").put("room", "history"));
    JsonObject newest = client.request(new JsonObject().put("type", "history").put("room", "history")
        .put("since", new JsonObject().put("epoch", epoch).put("seq", 2)).put("limit", 3));

    assertThat(all.getLong("seq")).isEqualTo(8);
    assertThat(all.getJsonArray("messages")).hasSize(8);
    assertThat(newest.getString("epoch")).isEqualTo(epoch);
    JsonArray messages = newest.getJsonArray("messages");
    assertThat(messages.stream().map(m -> ((JsonObject) m).getString("data"))).containsExactly("m6", "m7", "m8");
    assertThat(messages.getJsonObject(0).getString("type")).isEqualTo("message");
    assertThat(messages.getJsonObject(0).getLong("seq")).isEqualTo(6);
  }

  @Test
  void historyReplyKeepsWithinHalfTheOutputBoundAndSaysItWasTruncated() throws Exception {
    V1Client client = V1Client.connect(server.clients(), "/ws");
    for (int i = 1; i <= 12; i++) {
      client.publish("big-history", i + "x".repeat(3500));
    }

    JsonObject history = client.request(new JsonObject().put("type", "history").put("room", "big-history"));

    assertThat(history.getBoolean("truncated")).isTrue();
    assertThat(history.encode().length()).isLessThanOrEqualTo(32 * 1024 + 200);
    JsonArray messages = history.getJsonArray("messages");
    assertThat(messages.size()).isBetween(8, 11);
    long first = messages.getJsonObject(0).getLong("seq");
    assertThat(messages.stream().map(m -> ((JsonObject) m).getLong("seq")))
        .as("the newest, oldest first").isEqualTo(LongStream.rangeClosed(first, 12).boxed().toList());
  }

  @Test
  void everyMistakeGetsAnErrorReplyWithItsCode() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/mistakes-bystander");
    V1Client client = V1Client.connect(server.clients(), "/ws");
    client.subscribe("mistakes");

    assertThat(errorCode(client, new JsonObject().put("type", "shout"))).isEqualTo("unknown_type");
    assertThat(errorCode(client, new JsonObject())).isEqualTo("bad_request");
    assertThat(errorCode(client, new JsonObject().put("type", "subscribe"))).isEqualTo("bad_request");
    assertThat(errorCode(client, new JsonObject().put("type", "subscribe").put("room", "no spaces")))
        .isEqualTo("invalid_room");
    assertThat(errorCode(client, new JsonObject().put("type", "subscribe").put("room", "mistakes")))
        .isEqualTo("already_subscribed");
    assertThat(errorCode(client, new JsonObject().put("type", "unsubscribe").put("room", "elsewhere")))
        .isEqualTo("not_subscribed");
    assertThat(errorCode(client, new JsonObject().put("type", "publish").put("room", "mistakes")))
        .isEqualTo("bad_request");
    assertThat(errorCode(client, new JsonObject().put("type", "publish").put("room", "mistakes")
        .put("binary", "not base64!"))).isEqualTo("bad_request");
    assertThat(errorCode(client, new JsonObject().put("type", "history").put("room", "mistakes")
        .put("limit", 0))).isEqualTo("bad_request");
    assertThat(errorCode(client, new JsonObject().put("type", "subscribe").put("room", "x")
        .put("since", new JsonObject().put("seq", 1)))).isEqualTo("bad_request");
    client.subscribe("second");
    client.subscribe("third");
    assertThat(errorCode(client, new JsonObject().put("type", "subscribe").put("room", "fourth")))
        .isEqualTo("too_many_rooms");

    client.send("not json");
    await().until(() -> last(client).getString("type").equals("error") && !last(client).containsKey("id")
        && last(client).getString("code").equals("bad_request"));
    JsonObject stringId = new JsonObject().put("id", "abc").put("type", "unsubscribe").put("room", "second");
    client.send(stringId.encode());
    await().until(() -> "abc".equals(last(client).getValue("id")));
    assertThat(last(client).getString("type")).isEqualTo("unsubscribed");
    assertThat(client.socket().isClosed()).isFalse();
    assertThat(Scrape.of(server.managementPort())
        .value("chorus_commands_total{outcome=\"too_many_rooms\",type=\"subscribe\"}")).isEqualTo(1);
    bystander.assertUnharmed();
  }

  @Test
  void clientThatKeepsSendingGarbageIsClosedWith1008() throws Exception {
    Bystander plain = Bystander.join(server.clients(), "/ws/garbage-plain");
    V1Client client = V1Client.connect(server.clients(), "/ws");
    V1Client bystander = V1Client.connect(server.clients(), "/ws/garbage");

    for (int i = 0; i < 20 && !client.socket().isClosed(); i++) {
      client.socket().sendAsync("garbage " + i);
    }

    await().until(() -> client.socket().isClosed());
    assertThat(client.socket().closeStatus()).isEqualTo((short) 1008);
    assertThat(client.socket().closeReason()).isEqualTo("too many bad commands");
    assertThat(bystander.publish("garbage", "still fine").getString("type")).isEqualTo("ack");
    plain.assertUnharmed();
  }

  @Test
  void commandOverTheMessageSizeLimitClosesWith1009() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/big-bystander");
    V1Client client = V1Client.connect(server.clients(), "/ws");

    client.socket().sendAsync(new JsonObject().put("type", "publish").put("room", "big")
        .put("data", "x".repeat(5000)).encode());

    await().until(() -> client.socket().isClosed());
    assertThat(client.socket().closeStatus()).isEqualTo((short) 1009);
    bystander.assertUnharmed();
  }

  @Test
  void binaryFrameIsABadRequest() throws Exception {
    V1Client client = V1Client.connect(server.clients(), "/ws");

    client.socket().send("{}".getBytes(StandardCharsets.UTF_8));

    await().until(() -> !client.received().isEmpty());
    assertThat(last(client).getString("code")).isEqualTo("bad_request");
  }

  private static String errorCode(V1Client client, JsonObject command) throws Exception {
    JsonObject reply = client.request(command);
    assertThat(reply.getString("type")).as(command.encode()).isEqualTo("error");
    assertThat(reply.getString("message")).isNotBlank();
    return reply.getString("code");
  }

  private static JsonObject last(V1Client client) {
    List<JsonObject> received = client.received();
    return received.isEmpty() ? new JsonObject().put("type", "") : received.get(received.size() - 1);
  }

  private static double recoveredResumes() throws Exception {
    return Scrape.of(server.managementPort()).value("chorus_resumes_total{outcome=\"recovered\"}");
  }
}
