package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.SseStream;
import io.chorus.support.TestServer;
import io.chorus.support.TestClients;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static io.chorus.support.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP API over real sockets: publishing in each content type, reading history, a room's subscribers, every
 * refusal as a problem and counted.
 */
class HttpApiIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0", "--history-size", "20",
      "--max-message-size", "4KiB", "--allowed-origins", "https://app.example");

  private final Api api = new Api(server.port());

  @Test
  void jsonPostIsNumberedAndReachesChorusV1ClientsByteForByte() throws Exception {
    V1Client subscriber = V1Client.connect(server.clients(), "/ws/json-room");
    await().until(() -> subscriber.pushes("subscribed", "json-room").size() == 1);
    long start = subscriber.pushes("subscribed", "json-room").get(0).getLong("seq");

    HttpResponse<String> created = api.post("json-room", "application/json; charset=utf-8",
        " {\"n\": 1.50, \"s\":\"é\"} ".getBytes(StandardCharsets.UTF_8));

    assertThat(created.statusCode()).isEqualTo(201);
    JsonObject body = new JsonObject(created.body());
    assertThat(body.getString("room")).isEqualTo("json-room");
    assertThat(body.getLong("seq")).isEqualTo(start + 1);
    await().until(() -> subscriber.socket().texts().stream().anyMatch(text -> text.contains("\"seq\":" + (start + 1))));
    assertThat(subscriber.socket().texts()).contains(
        "{\"type\":\"message\",\"room\":\"json-room\",\"seq\":" + (start + 1) + ",\"data\":{\"n\": 1.50, \"s\":\"é\"}}");
  }

  @Test
  void textAndBinaryPostsArriveAsChorusV1ShowsThem() throws Exception {
    V1Client subscriber = V1Client.connect(server.clients(), "/ws/kinds");
    await().until(() -> subscriber.pushes("subscribed", "kinds").size() == 1);

    assertThat(api.post("kinds", "text/plain", "line \"one\"\n".getBytes(StandardCharsets.UTF_8)).statusCode())
        .isEqualTo(201);
    assertThat(api.post("kinds", "application/octet-stream", new byte[] {0, (byte) 0xff, 7}).statusCode())
        .isEqualTo(201);
    assertThat(api.post("kinds", "application/json", "\"a JSON string\"".getBytes()).statusCode()).isEqualTo(201);

    await().until(() -> subscriber.pushes("message", "kinds").size() == 3);
    List<JsonObject> messages = subscriber.pushes("message", "kinds");
    assertThat(messages.get(0).getString("data")).isEqualTo("line \"one\"\n");
    assertThat(messages.get(1).getString("binary")).isEqualTo(Base64.getEncoder().encodeToString(new byte[] {0, -1, 7}));
    assertThat(messages.get(2).getString("data")).isEqualTo("a JSON string");
  }

  @Test
  void historyReadsTheNewestMessagesAfterSinceUpToTheLimit() throws Exception {
    JsonObject first = null;
    for (int i = 1; i <= 6; i++) {
      JsonObject created = api.publish("history-room", "{\"n\":" + i + "}");
      first = first == null ? created : first;
    }
    String epoch = first.getString("epoch");
    long seq = first.getLong("seq");

    HttpResponse<String> all = api.get("/api/rooms/history-room/messages");
    HttpResponse<String> page = api.get("/api/rooms/history-room/messages?since=" + epoch + ":" + (seq + 1)
        + "&limit=2");

    assertThat(all.statusCode()).isEqualTo(200);
    assertThat(all.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject whole = new JsonObject(all.body());
    assertThat(whole.getString("type")).isEqualTo("history");
    assertThat(whole.getString("epoch")).isEqualTo(epoch);
    assertThat(whole.getLong("seq")).isEqualTo(seq + 5);
    assertThat(numbers(whole)).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(numbers(new JsonObject(page.body()))).containsExactly(5, 6);
  }

  @Test
  void aRoomAnswersItsPositionAndItsSubscribersOverEveryTransport() throws Exception {
    String room = "/api/rooms/counted";
    JsonObject empty = new JsonObject(api.get(room).body());
    assertThat(empty.getInteger("subscribers")).isZero();
    assertThat(empty.getLong("seq")).isZero();
    TestSocket plain = server.clients().connect("/ws/counted");
    V1Client structured = V1Client.connect(server.clients(), "/ws/counted");
    try (SseStream stream = SseStream.open(server.port(), "/sse/counted")) {
      await().until(() -> new JsonObject(api.get(room).body()).getInteger("subscribers") == 3);
      JsonObject published = api.publish("counted", "{}");

      HttpResponse<String> shown = api.get(room);

      assertThat(shown.statusCode()).isEqualTo(200);
      assertThat(shown.headers().firstValue("Content-Type")).hasValue("application/json");
      JsonObject body = new JsonObject(shown.body());
      assertThat(body.fieldNames()).containsExactlyInAnyOrder("room", "epoch", "seq", "subscribers");
      assertThat(body.getString("room")).isEqualTo("counted");
      assertThat(body.getString("epoch")).isEqualTo(published.getString("epoch"));
      assertThat(body.getLong("seq")).isEqualTo(published.getLong("seq"));
      assertThat(body.getInteger("subscribers")).isEqualTo(3);
    }
    await().until(() -> new JsonObject(api.get(room).body()).getInteger("subscribers") == 2);
    plain.close();
    structured.close();
    await().until(() -> new JsonObject(api.get(room).body()).getInteger("subscribers") == 0);
  }

  @Test
  void everyRefusalIsAProblemWithItsStatusAndLeavesOthersUnharmed() throws Exception {
    String messages = "/api/rooms/refused/messages";
    Bystander bystander = Bystander.join(server.clients(), "/ws/refusals-bystander");
    Scrape before = Scrape.of(server.managementPort());

    assertProblem(api.post("refused", "application/json", "{\"a\":".getBytes()), 400, "bad-body");
    assertProblem(api.post("refused", "application/json", "{} {}".getBytes()), 400, "bad-body");
    assertProblem(api.post("refused", "application/json", "{\"a\":NaN}".getBytes()), 400, "bad-body");
    assertProblem(api.post("refused", "application/json", "{\"a\":1,\"a\":2}".getBytes()), 400, "bad-body");
    assertProblem(api.post("refused", "application/json", ("[".repeat(101) + "]".repeat(101)).getBytes()), 400,
        "bad-body");
    assertProblem(api.post("refused", "text/plain", new byte[] {(byte) 0xc3, 0x28}), 400, "bad-body");
    assertProblem(api.post("refused", "text/plain; charset=iso-8859-1", "x".getBytes()), 415, "unsupported-type");
    assertProblem(api.post("refused", "image/png", "x".getBytes()), 415, "unsupported-type");
    assertProblem(api.post("refused", "application/json", ("\"" + "x".repeat(4096) + "\"").getBytes()), 413,
        "too-large");
    assertProblem(api.post("no%20room", "application/json", "1".getBytes()), 400, "invalid-room");
    assertProblem(api.get(messages + "?since=nope"), 400, "bad-since");
    assertProblem(api.get(messages + "?since=abc:-1"), 400, "bad-since");
    assertProblem(api.get(messages + "?limit=0"), 400, "bad-limit");
    assertProblem(api.get(messages + "?limit=21"), 400, "bad-limit");
    assertProblem(api.get("/api/rooms/refused/elsewhere"), 404, "not-found");
    assertProblem(api.get("/api/elsewhere"), 404, "not-found");
    assertProblem(api.get("/api/rooms/no%20room"), 400, "invalid-room");
    HttpResponse<String> put = api.send("PUT", messages, Map.of(), "x".getBytes());
    assertProblem(put, 405, "method-not-allowed");
    assertThat(put.headers().firstValue("Allow")).hasValue("GET, HEAD, POST, OPTIONS");
    HttpResponse<String> postToRoom = api.send("POST", "/api/rooms/refused", Map.of(), "x".getBytes());
    assertProblem(postToRoom, 405, "method-not-allowed");
    assertThat(postToRoom.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    HttpResponse<String> foreign = api.send("POST", messages,
        Map.of("Origin", "https://evil.example", "Content-Type", "application/json"), "1".getBytes());
    assertProblem(foreign, 403, "forbidden-origin");
    assertProblem(api.send("OPTIONS", messages, Map.of("Origin", "https://evil.example",
        "Access-Control-Request-Method", "POST"), null), 403, "forbidden-origin");

    Scrape after = Scrape.of(server.managementPort());
    Map.of("bad-body\",status=\"400", 6, "unsupported-type\",status=\"415", 2, "too-large\",status=\"413", 1,
        "invalid-room\",status=\"400", 2, "bad-since\",status=\"400", 2, "bad-limit\",status=\"400", 2,
        "not-found\",status=\"404", 2, "method-not-allowed\",status=\"405", 2,
        "forbidden-origin\",status=\"403", 2).forEach((problem, count) -> {
          String series = "chorus_api_problems_total{problem=\"" + problem + "\"}";
          assertThat(after.value(series) - before.value(series)).as(series).isEqualTo(count.doubleValue());
        });
    bystander.assertUnharmed();
  }

  @Test
  void aChunkedBodyGrowingPastTheLimitIsRefusedBeforeItEnds() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/chunked-bystander");
    String chunk = "x".repeat(1024);
    StringBuilder chunks = new StringBuilder();
    for (int i = 0; i < 5; i++) {
      chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
    }
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /api/rooms/chunked/messages HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
          .getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(answer).startsWith("HTTP/1.1 413 ").contains("application/problem+json");
    }
    assertThat(new JsonObject(api.get("/api/rooms/chunked/messages").body()).getJsonArray("messages")).isEmpty();
    bystander.assertUnharmed();
  }

  @Test
  void anAllowedOriginGetsItsPreflightAnsweredAndItsAnswersReadable() throws Exception {
    String messages = "/api/rooms/cors/messages";
    HttpResponse<String> preflight = api.send("OPTIONS", messages, Map.of("Origin", "https://app.example",
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "content-type"), null);
    HttpResponse<String> posted = api.send("POST", messages,
        Map.of("Origin", "https://app.example", "Content-Type", "application/json"), "{}".getBytes());

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(
        methods -> assertThat(methods).contains("POST"));
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Authorization, Content-Type");
    assertThat(posted.statusCode()).isEqualTo(201);
    assertThat(posted.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
  }

  @Test
  void aClientAddressOverTheRateLimitGets429WithRetryAfterAndOthersAreUnharmed() throws Exception {
    try (TestServer limited = TestServer.start("--rate-limit", "25", "--rate-limit-burst", "5");
         TestClients clients = new TestClients(limited.port())) {
      Bystander bystander = Bystander.join(clients, "/ws/rate-bystander");
      Api limitedApi = new Api(limited.port());
      HttpResponse<String> refused = null;
      for (int i = 0; i < 100 && refused == null; i++) {
        HttpResponse<String> response = limitedApi.post("rated", "text/plain", "x".getBytes());
        refused = response.statusCode() == 429 ? response : null;
      }

      assertThat(refused).as("a 429 within 100 requests at a rate of 25/s, burst 5").isNotNull();
      assertProblem(refused, 429, "rate-limited");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      await().until(() -> limitedApi.post("rated", "text/plain", "x".getBytes()).statusCode() == 201);
      bystander.assertUnharmed();
      assertThat(Scrape.of(limited.managementPort())
          .value("chorus_api_problems_total{problem=\"rate-limited\",status=\"429\"}")).isPositive();
    }
  }

  @Test
  void historyOffIsAProblemAndDrainingAnswers503() throws Exception {
    // Stopped by the test itself: not closed again.
    TestServer draining = TestServer.start("--history-size", "0", "--drain-period", "5s");
    try (TestClients clients = new TestClients(draining.port())) {
      Api drainingApi = new Api(draining.port());
      assertProblem(drainingApi.get("/api/rooms/off/messages"), 404, "history-unavailable");
      assertThat(Scrape.of(draining.managementPort())
          .value("chorus_api_problems_total{problem=\"history-unavailable\",status=\"404\"}")).isEqualTo(1);
      // Closed one after another over the drain period, they keep the node draining while the API is asked.
      clients.connect("/ws/keeps-the-drain-going", 50);

      Future<Void> stopped = draining.chorus().stop();

      AtomicReference<HttpResponse<String>> refused = new AtomicReference<>();
      await().ignoreExceptions().until(() -> {
        refused.set(drainingApi.post("off", "text/plain", "x".getBytes()));
        return refused.get().statusCode() == 503;
      });
      assertProblem(refused.get(), 503, "draining");
      assertProblem(drainingApi.get("/api/rooms/off"), 503, "draining");
      assertThat(Scrape.of(draining.managementPort())
          .value("chorus_api_problems_total{problem=\"draining\",status=\"503\"}")).isGreaterThanOrEqualTo(2);
      stopped.await(30, TimeUnit.SECONDS);
    }
  }

  private static List<Integer> numbers(JsonObject history) {
    JsonArray messages = history.getJsonArray("messages");
    return messages.stream().map(message -> ((JsonObject) message).getJsonObject("data").getInteger("n")).toList();
  }
}
