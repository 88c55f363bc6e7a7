package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static io.chorus.support.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Long polling over real sockets: answers with what was missed, held polls answered by a publish, by the timeout or
 * by the drain, a chain of polls that gets every message once, positions that cannot be resumed from, and every
 * refusal as a problem.
 */
class PollIT {

  private static final String HELD = "chorus_connections{transport=\"poll\"}";

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0", "--history-size", "100",
      "--poll-timeout", "5s", "--allowed-origins", "https://app.example");

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private final Api api = new Api(server.port());

  @Test
  void aPollAfterMissedMessagesIsAnsweredAtOnceWithThemOldestFirst() throws Exception {
    JsonObject before = api.publish("missed", "{\"n\":0}");
    for (int i = 1; i <= 3; i++) {
      api.publish("missed", "{\"n\":" + i + "}");
    }

    HttpResponse<String> answered = poll(server.port(), "/poll/missed?since=" + position(before));

    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(answered.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonObject answer = new JsonObject(answered.body());
    assertThat(answer.getString("type")).isEqualTo("poll");
    assertThat(answer.getString("room")).isEqualTo("missed");
    assertThat(answer.getString("epoch")).isEqualTo(before.getString("epoch"));
    assertThat(answer.getLong("seq")).isEqualTo(before.getLong("seq") + 3);
    assertThat(answer.getBoolean("recovered")).isTrue();
    assertThat(numbers(answer)).containsExactly(1, 2, 3);
    assertThat(seqs(answer)).containsExactly(before.getLong("seq") + 1, before.getLong("seq") + 2,
        before.getLong("seq") + 3);
    assertThat(answer.getJsonArray("messages").getJsonObject(0).getString("type")).isEqualTo("message");
  }

  @Test
  void aHeldPollIsAnsweredWhenAWebSocketClientPublishesAndCountsWhileHeld() throws Exception {
    JsonObject start = api.publish("held", "{\"n\":0}");
    double heldBefore = heldPolls(server.managementPort());

    CompletableFuture<HttpResponse<String>> held = pollAsync(server.port(), "/poll/held?since=" + position(start));
    await().until(() -> heldPolls(server.managementPort()) == heldBefore + 1);
    V1Client publisher = V1Client.connect(server.clients(), "/ws");
    publisher.publish("held", new JsonObject().put("n", 1));

    JsonObject answer = new JsonObject(held.get(10, TimeUnit.SECONDS).body());
    assertThat(numbers(answer)).containsExactly(1);
    assertThat(answer.getLong("seq")).isEqualTo(start.getLong("seq") + 1);
    assertThat(answer.getBoolean("recovered")).isTrue();
    await().until(() -> heldPolls(server.managementPort()) == heldBefore);
    publisher.close();
  }

  @Test
  void aPollWithoutSinceWaitsForTheNextMessageAndTellsItsPosition() throws Exception {
    JsonObject before = api.publish("fresh", "{\"n\":0}");
    double heldBefore = heldPolls(server.managementPort());

    CompletableFuture<HttpResponse<String>> held = pollAsync(server.port(), "/poll/fresh");
    await().until(() -> heldPolls(server.managementPort()) == heldBefore + 1);
    api.publish("fresh", "{\"n\":1}");

    JsonObject answer = new JsonObject(held.get(10, TimeUnit.SECONDS).body());
    assertThat(numbers(answer)).containsExactly(1);
    assertThat(answer.getString("epoch")).isEqualTo(before.getString("epoch"));
    assertThat(answer.getLong("seq")).isEqualTo(before.getLong("seq") + 1);
    assertThat(answer.containsKey("recovered")).isFalse();
  }

  @Test
  void aPollNothingArrivesForIsAnsweredEmptyAtThePollTimeoutWithItsPositionUnchanged() throws Exception {
    // Longer than handshake-timeout: a request's clock stops while its answer is owed, so a held poll is not cut.
    try (TestServer quick = TestServer.start("--poll-timeout", "300ms", "--handshake-timeout", "100ms")) {
      JsonObject start = new Api(quick.port()).publish("quiet", "{\"n\":0}");

      HttpResponse<String> timedOut = poll(quick.port(), "/poll/quiet?since=" + position(start));
      HttpResponse<String> timedOutFresh = poll(quick.port(), "/poll/quiet");

      assertThat(timedOut.statusCode()).isEqualTo(200);
      JsonObject answer = new JsonObject(timedOut.body());
      assertThat(answer.getJsonArray("messages")).isEmpty();
      assertThat(position(answer)).isEqualTo(position(start));
      assertThat(answer.getBoolean("recovered")).isTrue();
      assertThat(timedOutFresh.statusCode()).isEqualTo(200);
      assertThat(position(new JsonObject(timedOutFresh.body()))).isEqualTo(position(start));
      await().until(() -> heldPolls(quick.managementPort()) == 0);
    }
  }

  @Test
  void aChainOfPollsWhileMessagesFlowGetsEveryMessageOnceInOrder() throws Exception {
    int count = 200;
    TestSocket sender = server.clients().connect("/ws/chain");
    JsonObject start = api.publish("chain", "\"start\"");
    ScheduledExecutorService publisher = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger sent = new AtomicInteger();
    publisher.scheduleAtFixedRate(() -> {
      int index = sent.getAndIncrement();
      if (index < count) {
        sender.sendAsync("m" + index);
      }
    }, 0, 5, TimeUnit.MILLISECONDS);
    List<String> received = new ArrayList<>();
    List<Long> seqs = new ArrayList<>();
    int polls = 0;
    try {
      String since = position(start);
      while (received.size() < count && polls < 2 * count) {
        JsonObject answer = new JsonObject(poll(server.port(), "/poll/chain?since=" + since).body());
        assertThat(answer.getBoolean("recovered")).as(answer.encode()).isTrue();
        answer.getJsonArray("messages").forEach(message -> {
          received.add(((JsonObject) message).getString("data"));
          seqs.add(((JsonObject) message).getLong("seq"));
        });
        since = position(answer);
        polls++;
      }
    } finally {
      publisher.shutdownNow();
      sender.close();
    }

    assertThat(received).containsExactlyElementsOf(IntStream.range(0, count).mapToObj(i -> "m" + i).toList());
    assertThat(seqs).containsExactlyElementsOf(
        IntStream.rangeClosed(1, count).mapToObj(i -> start.getLong("seq") + i).toList());
  }

  @Test
  void aPositionOfAnotherEpochOrBeyondHistoryIsAnsweredAtOnceAsNotRecoveredWithTheCurrentPosition() throws Exception {
    JsonObject first = api.publish("gone", "{\"n\":0}");
    JsonObject last = first;
    for (int i = 1; i <= 101; i++) {
      last = api.publish("gone", "{\"n\":" + i + "}");
    }

    JsonObject beyondHistory = new JsonObject(poll(server.port(), "/poll/gone?since=" + position(first)).body());
    JsonObject otherEpoch = new JsonObject(poll(server.port(), "/poll/gone?since=0123456789abcdef:3").body());

    for (JsonObject answer : List.of(beyondHistory, otherEpoch)) {
      assertThat(answer.getBoolean("recovered")).as(answer.encode()).isFalse();
      assertThat(position(answer)).isEqualTo(position(last));
      assertThat(answer.getJsonArray("messages")).isEmpty();
    }
  }

  @Test
  void withHistoryOffAPollFromTheCurrentPositionWaitsAndAnOlderOneIsNotRecovered() throws Exception {
    try (TestServer noHistory = TestServer.start("--history-size", "0", "--poll-timeout", "5s")) {
      Api noHistoryApi = new Api(noHistory.port());
      JsonObject older = noHistoryApi.publish("off", "{\"n\":0}");
      JsonObject current = noHistoryApi.publish("off", "{\"n\":1}");

      CompletableFuture<HttpResponse<String>> held = pollAsync(noHistory.port(), "/poll/off?since=" + position(current));
      await().until(() -> heldPolls(noHistory.managementPort()) == 1);
      noHistoryApi.publish("off", "{\"n\":2}");
      JsonObject live = new JsonObject(held.get(10, TimeUnit.SECONDS).body());
      JsonObject gap = new JsonObject(poll(noHistory.port(), "/poll/off?since=" + position(older)).body());

      assertThat(live.getBoolean("recovered")).isTrue();
      assertThat(numbers(live)).containsExactly(2);
      assertThat(gap.getBoolean("recovered")).isFalse();
      assertThat(gap.getLong("seq")).isEqualTo(current.getLong("seq") + 1);
      assertThat(gap.getJsonArray("messages")).isEmpty();
    }
  }

  @Test
  void aFullNodeRefusesAPollWith503AndAClientLeavingAHeldPollFreesItsSlotAtOnce() throws Exception {
    try (TestServer small = TestServer.start("--max-connections", "2", "--poll-timeout", "50s");
         TestClients clients = new TestClients(small.port())) {
      Bystander bystander = Bystander.join(clients, "/ws/full-bystander");
      Socket leaving = holdRawPoll(small.port(), "/poll/full");
      await().until(() -> heldPolls(small.managementPort()) == 1);

      HttpResponse<String> refused = poll(small.port(), "/poll/full");
      assertProblem(refused, 503, "node-full");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("10");

      leaving.close();
      await().until(() -> heldPolls(small.managementPort()) == 0);
      CompletableFuture<HttpResponse<String>> admitted = pollAsync(small.port(), "/poll/full");
      await().until(() -> heldPolls(small.managementPort()) == 1);
      new Api(small.port()).publish("full", "{\"n\":1}");
      assertThat(numbers(new JsonObject(admitted.get(10, TimeUnit.SECONDS).body()))).containsExactly(1);
      bystander.assertUnharmed();
    }
  }

  @Test
  void theDrainAnswersHeldPollsAtOnceAndRefusesNewOnesAsDraining() throws Exception {
    // Stopped by the test itself: not closed again.
    TestServer draining = TestServer.start("--drain-period", "5s", "--poll-timeout", "50s");
    try (TestClients clients = new TestClients(draining.port())) {
      JsonObject start = new Api(draining.port()).publish("drained", "{\"n\":0}");
      CompletableFuture<HttpResponse<String>> held = pollAsync(draining.port(),
          "/poll/drained?since=" + position(start));
      await().until(() -> heldPolls(draining.managementPort()) == 1);
      // Closed one after another over the drain period, they keep the node draining while it is polled.
      clients.connect("/ws/keeps-the-drain-going", 50);

      Future<Void> stopped = draining.chorus().stop();

      HttpResponse<String> answered = held.get(10, TimeUnit.SECONDS);
      assertThat(answered.statusCode()).isEqualTo(200);
      JsonObject answer = new JsonObject(answered.body());
      assertThat(answer.getJsonArray("messages")).isEmpty();
      assertThat(position(answer)).isEqualTo(position(start));
      AtomicReference<HttpResponse<String>> refused = new AtomicReference<>();
      await().ignoreExceptions().until(() -> {
        refused.set(poll(draining.port(), "/poll/drained"));
        return refused.get().statusCode() == 503;
      });
      assertProblem(refused.get(), 503, "draining");
      stopped.await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyRefusalIsAProblemWithItsStatusAndLeavesOthersUnharmed() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/poll-refusals-bystander");

    assertProblem(poll(server.port(), "/poll/no%20room"), 400, "invalid-room");
    assertProblem(poll(server.port(), "/poll/a/b"), 400, "invalid-room");
    assertProblem(poll(server.port(), "/poll/"), 400, "invalid-room");
    assertProblem(poll(server.port(), "/poll/refused?since=nope"), 400, "bad-since");
    assertProblem(poll(server.port(), "/poll/refused?since=abc:-1"), 400, "bad-since");
    assertProblem(poll(server.port(), "/poll/refused?since="), 400, "bad-since");
    assertProblem(poll(server.port(), "/poll/refused?since=abc:1&since=abc:2"), 400, "bad-since");
    HttpResponse<String> post = api.send("POST", "/poll/refused", Map.of(), "x".getBytes());
    assertProblem(post, 405, "method-not-allowed");
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertProblem(api.send("GET", "/poll/refused", Map.of("Origin", "https://evil.example"), null), 403,
        "forbidden-origin");
    assertProblem(api.send("OPTIONS", "/poll/refused", Map.of("Origin", "https://evil.example",
        "Access-Control-Request-Method", "GET"), null), 403, "forbidden-origin");

    bystander.assertUnharmed();
  }

  @Test
  void anAllowedPageOfAnotherOriginMayReadItsAnswer() throws Exception {
    JsonObject start = api.publish("cors", "{\"n\":0}");
    api.publish("cors", "{\"n\":1}");

    HttpResponse<String> answered = api.send("GET", "/poll/cors?since=" + position(start),
        Map.of("Origin", "https://app.example"), null);

    assertThat(answered.statusCode()).isEqualTo(200);
    assertThat(answered.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
    assertThat(numbers(new JsonObject(answered.body()))).containsExactly(1);
  }

  @Test
  void aClientAddressOverTheRateLimitGets429WithRetryAfterAndOthersAreUnharmed() throws Exception {
    try (TestServer limited = TestServer.start("--rate-limit", "25", "--rate-limit-burst", "5");
         TestClients clients = new TestClients(limited.port())) {
      Bystander bystander = Bystander.join(clients, "/ws/poll-rate-bystander");
      JsonObject start = new Api(limited.port()).publish("rated", "{\"n\":0}");
      new Api(limited.port()).publish("rated", "{\"n\":1}");
      HttpResponse<String> refused = null;
      for (int i = 0; i < 100 && refused == null; i++) {
        HttpResponse<String> response = poll(limited.port(), "/poll/rated?since=" + position(start));
        refused = response.statusCode() == 429 ? response : null;
      }

      assertThat(refused).as("a 429 within 100 polls at a rate of 25/s, burst 5").isNotNull();
      assertProblem(refused, 429, "rate-limited");
      assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
      bystander.assertUnharmed();
    }
  }

  /** Sends a poll on a socket of its own and leaves it held: closing the socket is the client going away. */
  private static Socket holdRawPoll(int port, String pathAndQuery) throws Exception {
    Socket socket = new Socket("127.0.0.1", port);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  private static HttpResponse<String> poll(int port, String pathAndQuery) throws Exception {
    return pollAsync(port, pathAndQuery).get(30, TimeUnit.SECONDS);
  }

  private static CompletableFuture<HttpResponse<String>> pollAsync(int port, String pathAndQuery) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
        .timeout(Duration.ofSeconds(30)).GET().build();
    return HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  private static double heldPolls(int managementPort) throws Exception {
    return Scrape.of(managementPort).value(HELD);
  }

  /** The {@code since} of an answer: a poll's, or a publish's. */
  private static String position(JsonObject answer) {
    return answer.getString("epoch") + ":" + answer.getLong("seq");
  }

  private static List<Integer> numbers(JsonObject answer) {
    return answer.getJsonArray("messages").stream()
        .map(message -> ((JsonObject) message).getJsonObject("data").getInteger("n")).toList();
  }

  private static List<Long> seqs(JsonObject answer) {
    return answer.getJsonArray("messages").stream().map(message -> ((JsonObject) message).getLong("seq")).toList();
  }
}
