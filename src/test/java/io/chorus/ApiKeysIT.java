package io.chorus;

import io.chorus.security.ApiKeyFile;
import io.chorus.security.Scope;
import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestServer;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * API keys over real sockets: each refusal with its status, problem and challenge while a chat goes on unharmed,
 * keys that publish and read, scopes, /metrics on the main port, the file read again, the counts, and the command
 * that makes a key.
 */
class ApiKeysIT {

  private static final String PUBLISHER = ApiKeyFile.newKey();
  private static final String READER = ApiKeyFile.newKey();
  private static final String SCRAPER = ApiKeyFile.newKey();
  private static final Path KEYS = keyFile(
      "# backends of the tests\n"
          + ApiKeyFile.line(PUBLISHER, "publisher", EnumSet.of(Scope.PUBLISH)) + "\n"
          + ApiKeyFile.line(READER, "reader", EnumSet.of(Scope.READ)) + "\n"
          + ApiKeyFile.line(SCRAPER, "prometheus", EnumSet.of(Scope.METRICS)) + "\n");
  private static final String CHALLENGE = "Bearer realm=\"chorus\"";

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--api-keys", KEYS.toString(),
      "--allowed-origins", "https://app.example", "--poll-timeout", "200ms");

  private final Api api = new Api(server.port());

  @TempDir
  Path dir;

  @Test
  void aPublishWithoutAKeyIsRefused401WithABearerChallengeAndReachesNobody() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/keys-bystander");
    V1Client subscriber = V1Client.connect(server.clients(), "/ws/guarded");
    await().until(() -> subscriber.pushes("subscribed", "guarded").size() == 1);

    HttpResponse<String> refused = post("guarded", "{\"n\":\"keyless\"}", Map.of());

    assertProblem(refused, 401, "unauthorized");
    assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValue(CHALLENGE);
    assertThat(post("guarded", "{\"n\":\"keyed\"}", bearer(PUBLISHER)).statusCode()).isEqualTo(201);
    await().until(() -> subscriber.pushes("message", "guarded").size() == 1);
    assertThat(subscriber.pushes("message", "guarded").get(0).getJsonObject("data").getString("n")).isEqualTo("keyed");
    bystander.assertUnharmed();
  }

  @Test
  void anUnknownKeyOrAnotherSchemeIsRefused401() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/keys-bystander-unknown");

    HttpResponse<String> unknown = post("guarded", "{}", bearer(ApiKeyFile.newKey()));
    HttpResponse<String> unknownRead = api.send("GET", "/api/rooms/guarded", bearer("not-a-key"), null);
    HttpResponse<String> basic = post("guarded", "{}", Map.of("Authorization", "Basic cHVibGlzaGVyOnNlY3JldA=="));

    assertProblem(unknown, 401, "unauthorized");
    assertThat(unknown.headers().firstValue("WWW-Authenticate")).hasValue(CHALLENGE + ", error=\"invalid_token\"");
    assertProblem(unknownRead, 401, "unauthorized");
    assertProblem(basic, 401, "unauthorized");
    assertThat(basic.headers().firstValue("WWW-Authenticate")).hasValue(CHALLENGE);
    bystander.assertUnharmed();
  }

  @Test
  void aKeyWithoutTheScopeIsRefused403Forbidden() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/keys-bystander-scope");

    HttpResponse<String> readerPosts = post("scoped", "{}", bearer(READER));
    HttpResponse<String> publisherReads = api.send("GET", "/api/rooms/scoped/messages", bearer(PUBLISHER), null);
    HttpResponse<String> scraperReads = api.send("GET", "/api/rooms/scoped", bearer(SCRAPER), null);

    assertProblem(readerPosts, 403, "forbidden");
    assertThat(readerPosts.headers().firstValue("WWW-Authenticate"))
        .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"publish\"");
    assertThat(new JsonObject(readerPosts.body()).getString("detail")).contains("'reader'", "publish");
    assertProblem(publisherReads, 403, "forbidden");
    assertThat(publisherReads.headers().firstValue("WWW-Authenticate"))
        .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"read\"");
    assertProblem(scraperReads, 403, "forbidden");
    bystander.assertUnharmed();
  }

  @Test
  void aPublishKeyPublishesAndAReadKeyReads() throws Exception {
    V1Client subscriber = V1Client.connect(server.clients(), "/ws/keyed");
    await().until(() -> subscriber.pushes("subscribed", "keyed").size() == 1);

    HttpResponse<String> published = post("keyed", "{\"text\":\"from a backend\"}", bearer(PUBLISHER));
    HttpResponse<String> history = api.send("GET", "/api/rooms/keyed/messages", bearer(READER), null);
    HttpResponse<String> room = api.send("HEAD", "/api/rooms/keyed", Map.of("authorization", "bearer " + READER), null);

    assertThat(published.statusCode()).as(published.body()).isEqualTo(201);
    long seq = new JsonObject(published.body()).getLong("seq");
    await().until(() -> subscriber.pushes("message", "keyed").size() == 1);
    assertThat(subscriber.pushes("message", "keyed").get(0).getLong("seq")).isEqualTo(seq);
    assertThat(history.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(history.body()).getJsonArray("messages").getJsonObject(0).getJsonObject("data")
        .getString("text")).isEqualTo("from a backend");
    assertThat(room.statusCode()).isEqualTo(200);
  }

  @Test
  void anAllowedPageIsNoCredentialButCanAskToSendAKeyAndReadWhyItWasRefused() throws Exception {
    String messages = "/api/rooms/page/messages";
    Map<String, String> page = Map.of("Origin", "https://app.example", "Content-Type", "application/json");
    HttpResponse<String> preflight = api.send("OPTIONS", messages, Map.of("Origin", "https://app.example",
        "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type"), null);
    HttpResponse<String> keyless = api.send("POST", messages, page, "{}".getBytes());
    HttpResponse<String> keyed = api.send("POST", messages, with(page, bearer(PUBLISHER)), "{}".getBytes());

    assertThat(preflight.statusCode()).isEqualTo(204);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValue("Authorization, Content-Type");
    assertProblem(keyless, 401, "unauthorized");
    assertThat(keyless.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
    assertThat(keyless.headers().firstValue("Access-Control-Expose-Headers")).hasValueSatisfying(
        exposed -> assertThat(exposed).contains("WWW-Authenticate"));
    assertThat(keyed.statusCode()).isEqualTo(201);
  }

  @Test
  void pollsNeedNoKeyLikeWebSocketsAndStreams() throws Exception {
    HttpResponse<String> poll = api.get("/poll/open-poll");

    assertThat(poll.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(poll.body()).getString("type")).isEqualTo("poll");
  }

  @Test
  void refusalsAreCountedByProblemAndStatus() throws Exception {
    Scrape before = Scrape.of(server.managementPort());

    post("counted", "{}", Map.of());
    post("counted", "{}", bearer("unknown"));
    api.get("/api/rooms/counted");
    post("counted", "{}", bearer(READER));

    Scrape after = Scrape.of(server.managementPort());
    String unauthorized = "chorus_api_problems_total{problem=\"unauthorized\",status=\"401\"}";
    String forbidden = "chorus_api_problems_total{problem=\"forbidden\",status=\"403\"}";
    assertThat(after.value(unauthorized) - before.value(unauthorized)).isEqualTo(3);
    assertThat(after.value(forbidden) - before.value(forbidden)).isEqualTo(1);
  }

  @Test
  void theManagementPortServesMetricsAndHealthWithoutAKey() throws Exception {
    Api management = new Api(server.managementPort());

    assertThat(management.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(management.get("/health/ready").statusCode()).isEqualTo(200);
  }

  @Test
  void onTheMainPortMetricsNeedAKeyWithTheMetricsScopeAndHealthNeedsNone() throws Exception {
    try (TestServer main = TestServer.start("--api-keys", KEYS.toString(), "--management-port", "main")) {
      Api client = new Api(main.port());

      HttpResponse<String> keyless = client.get("/metrics");
      HttpResponse<String> reader = client.send("GET", "/metrics", bearer(READER), null);
      HttpResponse<String> scraper = client.send("GET", "/metrics", bearer(SCRAPER), null);

      assertProblem(keyless, 401, "unauthorized");
      assertThat(keyless.headers().firstValue("WWW-Authenticate")).hasValue(CHALLENGE);
      assertProblem(reader, 403, "forbidden");
      assertThat(reader.headers().firstValue("WWW-Authenticate"))
          .hasValue(CHALLENGE + ", error=\"insufficient_scope\", scope=\"metrics\"");
      assertThat(scraper.statusCode()).isEqualTo(200);
      assertThat(scraper.body()).contains("chorus_api_problems_total{problem=\"unauthorized\",status=\"401\"} 1");
      assertThat(client.get("/health/ready").statusCode()).isEqualTo(200);
      assertThat(client.get("/health/live").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aChangedKeyFileAdmitsItsNewKeysAndNoLongerTheOnesItDropped() throws Exception {
    String old = ApiKeyFile.newKey();
    String fresh = ApiKeyFile.newKey();
    Path file = dir.resolve("rotating-keys");
    Files.writeString(file, ApiKeyFile.line(old, "old", EnumSet.of(Scope.PUBLISH)) + "\n");
    try (TestServer rotating = TestServer.start("--api-keys", file.toString())) {
      Api client = new Api(rotating.port());
      assertThat(client.send("POST", "/api/rooms/r/messages", with(json(), bearer(old)), "1".getBytes())
          .statusCode()).isEqualTo(201);

      Files.writeString(file, ApiKeyFile.line(fresh, "fresh", EnumSet.of(Scope.PUBLISH)) + "\n");

      await().until(() -> client.send("POST", "/api/rooms/r/messages", with(json(), bearer(fresh)), "2".getBytes())
          .statusCode() == 201);
      assertThat(client.send("POST", "/api/rooms/r/messages", with(json(), bearer(old)), "3".getBytes())
          .statusCode()).isEqualTo(401);
    }
  }

  @Test
  void anInvalidOrMissingKeyFileStopsTheStartNamingWhy() throws Exception {
    Path invalid = dir.resolve("invalid-keys");
    Files.writeString(invalid, ApiKeyFile.line(PUBLISHER, "ok", EnumSet.of(Scope.PUBLISH)) + "\n" + PUBLISHER + "\n");

    assertThatThrownBy(() -> TestServer.start("--api-keys", invalid.toString()))
        .hasStackTraceContaining("cannot read api-keys file " + invalid + ": line 2: does not start with sha256:");
    assertThatThrownBy(() -> TestServer.start("--api-keys", dir.resolve("absent").toString()))
        .hasStackTraceContaining("NoSuchFileException");
  }

  /** The command of docs/configuration.md, "API keys", run as written against the packaged jar. */
  @Test
  void theApiKeyCommandPrintsAKeyAndTheLineThatAdmitsIt() throws Exception {
    List<String> printed = run("api-key", "ci", "publish").stream().filter(line -> !line.startsWith("#")).toList();
    assertThat(printed).hasSize(2);
    String key = printed.get(0);
    assertThat(printed.get(1)).startsWith("sha256:").endsWith(" ci publish");
    Path file = dir.resolve("made-keys");
    Files.writeString(file, printed.get(1) + "\n");

    try (TestServer made = TestServer.start("--api-keys", file.toString())) {
      Api client = new Api(made.port());
      assertThat(client.send("POST", "/api/rooms/made/messages", with(json(), bearer(key)), "1".getBytes())
          .statusCode()).isEqualTo(201);
      assertThat(client.send("GET", "/api/rooms/made", bearer(key), null).statusCode()).isEqualTo(403);
    }
    assertThat(exitStatus("api-key", "c/i")).isEqualTo(2);
  }

  /** The one-liner of docs/configuration.md for machines without Java, run as written. */
  @Test
  void theShellOneLinerMakesAKeyAndALineThatAdmitsIt() throws Exception {
    Process shell = new ProcessBuilder("bash", "-c", "KEY=\"chorus_$(openssl rand -hex 32)\"; echo \"$KEY\"\n"
        + "echo \"sha256:$(printf %s \"$KEY\" | sha256sum | cut -d' ' -f1) ci publish\" >> api-keys.txt")
        .directory(dir.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String key = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(shell.waitFor(30, TimeUnit.SECONDS)).isTrue();

    try (TestServer made = TestServer.start("--api-keys", dir.resolve("api-keys.txt").toString())) {
      Api client = new Api(made.port());
      assertThat(client.send("POST", "/api/rooms/made/messages", with(json(), bearer(key)), "1".getBytes())
          .statusCode()).isEqualTo(201);
    }
  }

  private HttpResponse<String> post(String room, String json, Map<String, String> headers) throws Exception {
    return api.send("POST", "/api/rooms/" + room + "/messages", with(json(), headers),
        json.getBytes(StandardCharsets.UTF_8));
  }

  private static Map<String, String> bearer(String key) {
    return Map.of("Authorization", "Bearer " + key);
  }

  private static Map<String, String> json() {
    return Map.of("Content-Type", "application/json");
  }

  private static Map<String, String> with(Map<String, String> some, Map<String, String> more) {
    Map<String, String> both = new HashMap<>(some);
    both.putAll(more);
    return both;
  }

  private static List<String> run(String... args) throws Exception {
    Process process = jar(args).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    List<String> lines = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).isZero();
    return lines;
  }

  private static int exitStatus(String... args) throws Exception {
    Process process = jar(args).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return process.exitValue();
  }

  private static ProcessBuilder jar(String... args) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"), "-jar", "target/chorus.jar"));
    command.addAll(List.of(args));
    return new ProcessBuilder(command);
  }

  private static Path keyFile(String text) {
    try {
      Path file = Files.createTempFile("chorus-api-keys", ".txt");
      file.toFile().deleteOnExit();
      return Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void assertProblem(HttpResponse<String> response, int status, String type) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonObject problem = new JsonObject(response.body());
    assertThat(problem.getString("type")).isEqualTo("urn:chorus:problem:" + type);
    assertThat(problem.getInteger("status")).isEqualTo(status);
  }
}
