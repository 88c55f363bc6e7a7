package io.chorus;

import io.chorus.security.ApiKeyFile;
import io.chorus.security.Scope;
import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.Tokens;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static io.chorus.support.Api.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The HTTP API under JWT authentication: a connection token lets a request do exactly what a connection with it may
 * (read where it may subscribe, post where it may publish), the anonymous grant covers requests without one, and an
 * API key still speaks for a backend. Every refusal with a bystander that must not notice it, and no refused message
 * reaches a subscriber.
 */
class ApiTokensIT {

  private static final Tokens HS256 = Tokens.hs256(Tokens.SECRET);
  private static final String BYSTANDER = "/ws/calm?token=";
  private static final String TEAM = HS256.token("alice", 3600, List.of("team-*"), List.of("team-blue"));

  @Test
  void aTokenReadsAndPublishesExactlyWhereAConnectionWithItMay() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      Api api = new Api(server.port());
      V1Client blue = V1Client.connect(clients, "/ws/team-blue?token=" + HS256.anything("bob"));
      V1Client red = V1Client.connect(clients, "/ws/team-red?token=" + HS256.anything("bob"));
      await().until(() -> blue.pushes("subscribed", "team-blue").size() == 1
          && red.pushes("subscribed", "team-red").size() == 1);

      assertThat(post(api, "team-blue", "\"by header\"", "Bearer " + TEAM).statusCode()).isEqualTo(201);
      assertThat(api.send("POST", "/api/rooms/team-blue/messages?token=" + TEAM, json(),
          "\"by query\"".getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
      await().until(() -> blue.pushes("message", "team-blue").size() == 2);
      assertThat(blue.pushes("message", "team-blue")).extracting(push -> push.getString("data"))
          .containsExactly("by header", "by query");

      HttpResponse<String> notPublisher = post(api, "team-red", "\"sneaked in\"", "Bearer " + TEAM);
      assertProblem(notPublisher, 403, "forbidden");
      assertThat(detail(notPublisher)).isEqualTo("The token does not allow a connection to publish to room team-red");
      assertThat(notPublisher.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
          challenge -> assertThat(challenge).contains("error=\"insufficient_scope\""));

      assertThat(get(api, "/api/rooms/team-red/messages", TEAM).statusCode()).isEqualTo(200);
      assertThat(get(api, "/api/rooms/team-red", TEAM).statusCode()).isEqualTo(200);
      assertThat(get(api, "/api/rooms/team-red/presence", TEAM).statusCode()).isEqualTo(200);
      HttpResponse<String> notSubscriber = get(api, "/api/rooms/lobby/messages", TEAM);
      assertProblem(notSubscriber, 403, "forbidden");
      assertThat(detail(notSubscriber)).isEqualTo("The token does not allow a connection to read room lobby");

      bystander.assertUnharmed();
      assertThat(post(api, "team-red", "\"marker\"", "Bearer " + HS256.anything("bob")).statusCode()).isEqualTo(201);
      await().until(() -> red.pushes("message", "team-red").size() == 1);
      assertThat(red.pushes("message", "team-red").get(0).getString("data")).isEqualTo("marker");
    }
  }

  @Test
  void requestsWithoutAValidTokenAreRefused401AndPublishNothing() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      Api api = new Api(server.port());
      V1Client blue = V1Client.connect(clients, "/ws/team-blue?token=" + HS256.anything("bob"));
      await().until(() -> blue.pushes("subscribed", "team-blue").size() == 1);

      HttpResponse<String> none = post(api, "team-blue", "\"no token\"", null);
      assertProblem(none, 401, "unauthorized");
      assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"chorus\"");
      assertThat(detail(none)).contains("Send a connection token").doesNotContain("API key");

      String expired = HS256.token("alice", -60, List.of("*"), List.of("*"));
      String forged = Tokens.hs256("another-secret-of-32-bytes-or-more!").anything("alice");
      for (String credentials : List.of(expired, forged, "not-a-jwt")) {
        HttpResponse<String> refused = post(api, "team-blue", "\"bad token\"", "Bearer " + credentials);
        assertProblem(refused, 401, "unauthorized");
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
            .hasValue("Bearer realm=\"chorus\", error=\"invalid_token\"");
      }
      assertThat(detail(post(api, "team-blue", "\"late\"", "Bearer " + expired))).contains("expired");

      bystander.assertUnharmed();
      assertThat(post(api, "team-blue", "\"good\"", "Bearer " + TEAM).statusCode()).isEqualTo(201);
      await().until(() -> blue.pushes("message", "team-blue").size() == 1);
      assertThat(blue.pushes("message", "team-blue").get(0).getString("data")).isEqualTo("good");
    }
  }

  @Test
  void requestsWithoutATokenGetWhatAllowAnonymousGrants() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET,
        "--allow-anonymous", "subscribe=lobby,news-*;publish=lobby");
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      Api api = new Api(server.port());

      assertThat(post(api, "lobby", "\"hello\"", null).statusCode()).isEqualTo(201);
      assertThat(api.get("/api/rooms/news-today/messages").statusCode()).isEqualTo(200);
      HttpResponse<String> news = post(api, "news-today", "\"fake news\"", null);
      assertProblem(news, 403, "forbidden");
      assertThat(detail(news)).isEqualTo("Anonymous clients may not publish to room news-today");
      assertProblem(api.get("/api/rooms/secret"), 403, "forbidden");

      bystander.assertUnharmed();
    }
  }

  @Test
  void withApiKeysAndTokensAKeySpeaksForABackendAndATokenForItsUser(@TempDir Path directory) throws Exception {
    String publisher = ApiKeyFile.newKey();
    String reader = ApiKeyFile.newKey();
    Path keys = Files.writeString(directory.resolve("api-keys.txt"),
        ApiKeyFile.line(publisher, "publisher", EnumSet.of(Scope.PUBLISH)) + "\n"
            + ApiKeyFile.line(reader, "reader", EnumSet.of(Scope.READ)) + "\n");
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET, "--api-keys", keys.toString());
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      Api api = new Api(server.port());
      V1Client lobby = V1Client.connect(clients, "/ws/lobby?token=" + HS256.anything("bob"));
      await().until(() -> lobby.pushes("subscribed", "lobby").size() == 1);

      assertThat(post(api, "lobby", "\"from a backend\"", "Bearer " + publisher).statusCode()).isEqualTo(201);
      HttpResponse<String> readerPosts = post(api, "lobby", "\"from a reader\"", "Bearer " + reader);
      assertProblem(readerPosts, 403, "forbidden");
      assertThat(detail(readerPosts)).isEqualTo("The API key 'reader' lacks the publish scope");

      assertThat(post(api, "team-blue", "\"from alice\"", "Bearer " + TEAM).statusCode()).isEqualTo(201);
      assertProblem(post(api, "lobby", "\"alice elsewhere\"", "Bearer " + TEAM), 403, "forbidden");

      HttpResponse<String> unknown = post(api, "lobby", "\"guess\"", "Bearer " + ApiKeyFile.newKey());
      assertProblem(unknown, 401, "unauthorized");
      assertThat(detail(unknown)).startsWith("Neither an API key of this server nor a valid token: ");
      assertThat(detail(post(api, "lobby", "\"nothing\"", null))).contains("or an API key");

      bystander.assertUnharmed();
      assertThat(lobby.pushes("message", "lobby")).extracting(push -> push.getString("data"))
          .containsExactly("from a backend");
    }
  }

  @Test
  void es256TokensVerifiedOffTheEventLoopPublishToo(@TempDir Path directory) throws Exception {
    Tokens es256 = Tokens.generate("ES256");
    try (TestServer server = TestServer.start("--jwt-public-key", es256.publicKeyFile(directory).toString());
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + es256.anything("calm"))) {
      Api api = new Api(server.port());
      V1Client lobby = V1Client.connect(clients, "/ws/lobby?token=" + es256.anything("bob"));
      await().until(() -> lobby.pushes("subscribed", "lobby").size() == 1);
      String alice = es256.token("alice", 3600, List.of("lobby"), List.of("lobby"));

      for (int i = 0; i < 20; i++) {
        assertThat(post(api, "lobby", "{\"n\":" + i + "}", "Bearer " + alice).statusCode()).isEqualTo(201);
      }
      assertProblem(post(api, "lobby", "\"forged\"", "Bearer " + Tokens.generate("ES256").anything("eve")),
          401, "unauthorized");

      await().until(() -> lobby.pushes("message", "lobby").size() == 20);
      assertThat(lobby.pushes("message", "lobby")).extracting(push -> push.getJsonObject("data").getInteger("n"))
          .containsExactlyElementsOf(IntStream.range(0, 20).boxed().toList());
      bystander.assertUnharmed();
    }
  }

  private static HttpResponse<String> post(Api api, String room, String json, String authorization) throws Exception {
    Map<String, String> headers = authorization == null ? json()
        : Map.of("Content-Type", "application/json", "Authorization", authorization);
    return api.send("POST", "/api/rooms/" + room + "/messages", headers, json.getBytes(StandardCharsets.UTF_8));
  }

  private static HttpResponse<String> get(Api api, String path, String token) throws Exception {
    return api.send("GET", path, Map.of("Authorization", "Bearer " + token), null);
  }

  private static Map<String, String> json() {
    return Map.of("Content-Type", "application/json");
  }

  private static String detail(HttpResponse<String> problem) {
    return new JsonObject(problem.body()).getString("detail");
  }
}
