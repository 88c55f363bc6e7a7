package io.chorus;

import io.chorus.support.Api;
import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerProcess;
import io.chorus.support.SseStream;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.Tokens;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * JWT connection tokens: every refusal at the handshake and after it, expiry and refresh, room patterns and the
 * anonymous grant; each refusal with a bystander that must not notice it.
 */
class AuthIT {

  private static final Tokens HS256 = Tokens.hs256(Tokens.SECRET);
  private static final String BYSTANDER = "/ws/calm?token=";

  @Test
  void handshakesWithoutAValidTokenAreRefused401AndCounted() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      int port = server.port();
      Tokens otherKey = Tokens.hs256("another-secret-of-at-least-32-bytes!!");
      try (RawWebSocket missing = RawWebSocket.connect(port, "/ws/lobby", Map.of())) {
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("www-authenticate")).startsWith("Bearer");
        assertThat(missing.body()).contains("a token is required");
      }
      try (RawWebSocket forged = RawWebSocket.connect(port, "/ws/lobby?token=" + otherKey.anything("eve"), Map.of())) {
        assertThat(forged.status()).isEqualTo(401);
        assertThat(forged.body()).contains("invalid token");
      }
      String expired = HS256.token("bob", -60, List.of("*"), List.of("*"));
      try (RawWebSocket late = RawWebSocket.connect(port, "/ws/lobby", Map.of("Authorization", "Bearer " + expired))) {
        assertThat(late.status()).isEqualTo(401);
        assertThat(late.body()).contains("expired");
      }
      try (RawWebSocket garbage = RawWebSocket.connect(port, "/ws/lobby?token=not.a.jwt", Map.of())) {
        assertThat(garbage.status()).isEqualTo(401);
      }
      try (SseStream stream = SseStream.open(port, "/sse/lobby")) {
        assertThat(stream.status()).isEqualTo(401);
      }
      HttpResponse<String> poll = new Api(port).get("/poll/lobby?token=" + expired);
      assertThat(poll.statusCode()).isEqualTo(401);
      assertThat(new JsonObject(poll.body()).getString("type")).isEqualTo("urn:chorus:problem:unauthorized");

      Scrape metrics = Scrape.of(server.managementPort());
      assertThat(metrics.value("chorus_handshakes_total{outcome=\"unauthorized\"}")).isEqualTo(4);
      assertThat(metrics.value("chorus_sse_requests_total{outcome=\"unauthorized\"}")).isEqualTo(1);
      bystander.assertUnharmed();
    }
  }

  @Test
  void roomsTheTokenDoesNotAllowAreRefused403AtTheHandshake() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      int port = server.port();
      String team = HS256.token("alice", 3600, List.of("team-*"), List.of());
      try (RawWebSocket allowed = RawWebSocket.connect(port, "/ws/team-blue?token=" + team, Map.of())) {
        assertThat(allowed.status()).isEqualTo(101);
      }
      try (RawWebSocket header = RawWebSocket.connect(port, "/ws/team-red", Map.of("Authorization", "Bearer " + team))) {
        assertThat(header.status()).isEqualTo(101);
      }
      try (RawWebSocket other = RawWebSocket.connect(port, "/ws/teams?token=" + team, Map.of())) {
        assertThat(other.status()).isEqualTo(403);
        assertThat(other.body()).contains("does not allow room teams");
      }
      try (RawWebSocket lobby = RawWebSocket.connect(port, "/ws?token=" + team, Map.of())) {
        assertThat(lobby.status()).as("plain mode on /ws joins the lobby").isEqualTo(403);
      }
      try (SseStream stream = SseStream.open(port, "/sse?room=team-blue&room=lobby&token=" + team)) {
        assertThat(stream.status()).isEqualTo(403);
      }
      HttpResponse<String> poll = new Api(port).get("/poll/lobby?token=" + team);
      assertThat(poll.statusCode()).isEqualTo(403);
      assertThat(new JsonObject(poll.body()).getString("type")).isEqualTo("urn:chorus:problem:forbidden");

      Scrape metrics = Scrape.of(server.managementPort());
      assertThat(metrics.value("chorus_handshakes_total{outcome=\"forbidden\"}")).isEqualTo(2);
      assertThat(metrics.value("chorus_sse_requests_total{outcome=\"forbidden\"}")).isEqualTo(1);
      bystander.assertUnharmed();
    }
  }

  @Test
  void chorusV1CommandsOutsideTheTokensRoomsAreForbidden() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      String token = HS256.token("alice", 3600, List.of("lobby", "team-*"), List.of("lobby"));
      V1Client alice = V1Client.connect(clients, "/ws?token=" + token);

      assertThat(alice.subscribe("team-x").getString("type")).isEqualTo("subscribed");
      assertThat(alice.subscribe("team").getString("code")).isEqualTo("forbidden");
      assertThat(alice.publish("team-x", "hi").getString("code")).isEqualTo("forbidden");
      assertThat(alice.request(new JsonObject().put("type", "history").put("room", "secret")).getString("code"))
          .isEqualTo("forbidden");
      assertThat(alice.publish("lobby", "hello").getString("type")).isEqualTo("ack");
      assertThat(alice.socket().isClosed()).isFalse();
      assertThat(Scrape.of(server.managementPort())
          .value("chorus_commands_total{outcome=\"forbidden\",type=\"publish\"}")).isEqualTo(1);
      bystander.assertUnharmed();
    }
  }

  @Test
  void aPlainClientPublishingWhereItMayNotIsClosed1008AndNotBroadcast() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      TestSocket reader = clients.connect("/ws/news?token=" + HS256.token("reader", 3600, List.of("news"), List.of()));
      TestSocket writer = clients.connect("/ws/news?token=" + HS256.anything("editor"));
      TestSocket sneaky = clients.connect("/ws/news?token=" + HS256.token("sneaky", 3600, List.of("news"), List.of()));

      sneaky.send("fake news");
      await().until(sneaky::isClosed);
      assertThat(sneaky.closeStatus()).isEqualTo((short) 1008);
      assertThat(sneaky.closeReason()).isEqualTo("forbidden");
      writer.send("real news");
      await().until(() -> reader.texts().contains("real news"));
      assertThat(reader.texts()).containsExactly("real news");
      bystander.assertUnharmed();
    }
  }

  @Test
  void aChorusV1ClientWithoutATokenIsUnauthorizedUntilItsConnect() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET, "--handshake-timeout", "2s");
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      V1Client later = V1Client.connect(clients, "/ws/lobby");
      assertThat(later.publish("lobby", "too early").getString("code")).isEqualTo("unauthorized");

      JsonObject info = new JsonObject().put("name", "Alice A.");
      String token = HS256.sign(Tokens.claims("alice", 3600, List.of("lobby"), List.of("lobby")).put("info", info));
      JsonObject connected = later.request(new JsonObject().put("type", "connect").put("token", token));
      assertThat(connected.getString("type")).isEqualTo("connected");
      assertThat(connected.getString("user")).isEqualTo("alice");
      assertThat(connected.getJsonObject("info")).isEqualTo(info);
      await().until(() -> later.pushes("subscribed", "lobby").size() == 1);
      assertThat(later.publish("lobby", "now").getString("type")).isEqualTo("ack");

      V1Client forger = V1Client.connect(clients, "/ws");
      JsonObject refused = forger.request(new JsonObject().put("type", "connect")
          .put("token", Tokens.hs256("another-secret-of-at-least-32-bytes!!").anything("alice")));
      assertThat(refused.getString("code")).isEqualTo("unauthorized");
      await().until(() -> forger.socket().isClosed());
      assertThat(forger.socket().closeStatus()).isEqualTo((short) 4501);

      V1Client silent = V1Client.connect(clients, "/ws");
      await().until(() -> silent.socket().isClosed());
      assertThat(silent.socket().closeStatus()).isEqualTo((short) 4002);
      assertThat(later.socket().isClosed()).as("a connected client has no connect deadline").isFalse();
      bystander.assertUnharmed();
    }
  }

  @Test
  void anExpiringTokenIsRefreshedOrItsConnectionClosedWith4001() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET, "--jwt-leeway", "0s");
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      List<String> lobby = List.of("lobby");
      V1Client keeper = V1Client.connect(clients, "/ws/lobby?token=" + HS256.token("kim", 4, lobby, lobby));
      V1Client leaver = V1Client.connect(clients, "/ws/lobby?token=" + HS256.token("lee", 4, lobby, lobby));
      TestSocket plain = clients.connect("/ws/lobby?token=" + HS256.token("pat", 4, lobby, lobby));
      SseStream stream = SseStream.open(server.port(), "/sse/lobby?token=" + HS256.token("sam", 4, lobby, lobby));

      await().until(() -> keeper.received().stream().anyMatch(push -> "refresh".equals(push.getString("type"))));
      JsonObject ask = keeper.received().stream().filter(push -> "refresh".equals(push.getString("type")))
          .findFirst().orElseThrow();
      assertThat(ask.getLong("expires_in")).isBetween(0L, 4L);
      JsonObject wrongUser = keeper.request(new JsonObject().put("type", "refresh")
          .put("token", HS256.token("mallory", 3600, lobby, lobby)));
      assertThat(wrongUser.getString("code")).isEqualTo("unauthorized");
      JsonObject refreshed = keeper.request(new JsonObject().put("type", "refresh")
          .put("token", HS256.token("kim", 3600, lobby, lobby)));
      assertThat(refreshed.getString("type")).isEqualTo("refreshed");

      await().until(() -> leaver.socket().isClosed() && plain.isClosed() && stream.ended());
      assertThat(leaver.socket().closeStatus()).isEqualTo((short) 4001);
      assertThat(leaver.socket().closeReason()).isEqualTo("token expired");
      assertThat(plain.closeStatus()).isEqualTo((short) 4001);
      assertThat(keeper.publish("lobby", "still here").getString("type")).isEqualTo("ack");
      assertThat(keeper.socket().isClosed()).isFalse();
      assertThat(Scrape.of(server.managementPort()).value("chorus_disconnects_total{code=\"4001\"}")).isEqualTo(2);
      stream.close();
      bystander.assertUnharmed();
    }
  }

  @Test
  void aRefreshWhoseTokenNoLongerAllowsARoomUnsubscribesFromItAndSaysSo() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET);
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      List<String> teams = List.of("team-*");
      V1Client alice = V1Client.connect(clients, "/ws/team-a?token=" + HS256.token("alice", 3600, teams, teams));
      assertThat(alice.subscribe("team-b").getString("type")).isEqualTo("subscribed");
      V1Client writer = V1Client.connect(clients, "/ws/team-b?token=" + HS256.anything("writer"));

      JsonObject refreshed = alice.request(new JsonObject().put("type", "refresh")
          .put("token", HS256.token("alice", 3600, List.of("team-a"), List.of())));
      assertThat(refreshed.getString("type")).isEqualTo("refreshed");
      List<JsonObject> revoked = alice.pushes("unsubscribed", "team-b");
      assertThat(revoked).as("told before the reply").hasSize(1);
      assertThat(revoked.get(0).getString("reason")).isEqualTo("forbidden");
      assertThat(alice.pushes("unsubscribed", "team-a")).isEmpty();

      assertThat(writer.publish("team-b", "after").getString("type")).isEqualTo("ack");
      assertThat(writer.publish("team-a", "kept").getString("type")).isEqualTo("ack");
      await().until(() -> alice.data("team-a").contains("kept"));
      assertThat(alice.data("team-b")).isEmpty();
      await().until(() -> writer.request(new JsonObject().put("type", "presence").put("room", "team-b"))
          .getJsonArray("clients").size() == 1);
      assertThat(alice.publish("team-a", "no longer").getString("code")).as("the new token's publish list")
          .isEqualTo("forbidden");
      assertThat(alice.subscribe("team-b").getString("code")).isEqualTo("forbidden");
      bystander.assertUnharmed();
    }
  }

  @Test
  void anonymousClientsMayDoWhatAllowAnonymousGrantsAndNoMore() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET,
        "--allow-anonymous", "subscribe=lobby,news-*;publish=lobby");
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.anything("calm"))) {
      int port = server.port();
      TestSocket guest = clients.connect("/ws");
      guest.send("hello from a guest");
      await().until(() -> guest.texts().contains("hello from a guest"));
      try (RawWebSocket secret = RawWebSocket.connect(port, "/ws/secret", Map.of())) {
        assertThat(secret.status()).isEqualTo(403);
        assertThat(secret.body()).contains("Anonymous clients may not join room secret");
      }
      V1Client reader = V1Client.connect(clients, "/ws/news-today");
      await().until(() -> reader.pushes("subscribed", "news-today").size() == 1);
      assertThat(reader.publish("news-today", "scoop").getString("code")).isEqualTo("forbidden");
      JsonObject anonymous = reader.request(new JsonObject().put("type", "connect"));
      assertThat(anonymous.getString("code")).as("connect comes first").isEqualTo("bad_request");

      V1Client upgraded = V1Client.connect(clients, "/ws");
      JsonObject connected = upgraded.request(new JsonObject().put("type", "connect")
          .put("token", HS256.token("editor", 3600, List.of("news-*"), List.of("news-*"))));
      assertThat(connected.getString("user")).isEqualTo("editor");
      assertThat(upgraded.publish("news-today", "scoop").getString("type")).isEqualTo("ack");
      await().until(() -> reader.data("news-today").contains("scoop"));
      bystander.assertUnharmed();
    }
  }

  @Test
  void rs256AndEs256PublicKeysVerifyTheirTokensAndNoOthers(@TempDir Path directory) throws Exception {
    for (String algorithm : List.of("RS256", "ES256")) {
      Tokens keys = Tokens.generate(algorithm);
      try (TestServer server = TestServer.start("--jwt-public-key", keys.publicKeyFile(directory).toString());
          TestClients clients = new TestClients(server.port());
          Bystander bystander = Bystander.join(clients, BYSTANDER + keys.anything("calm"))) {
        V1Client alice = V1Client.connect(clients, "/ws?token=" + keys.anything("alice"));
        assertThat(alice.subscribe("lobby").getString("type")).isEqualTo("subscribed");
        try (RawWebSocket forged = RawWebSocket.connect(server.port(),
            "/ws?token=" + Tokens.generate(algorithm).anything("alice"), Map.of())) {
          assertThat(forged.status()).as(algorithm).isEqualTo(401);
        }
        try (RawWebSocket hmac = RawWebSocket.connect(server.port(), "/ws?token=" + HS256.anything("alice"), Map.of())) {
          assertThat(hmac.status()).as("an HS256 token against an %s key", algorithm).isEqualTo(401);
        }
        bystander.assertUnharmed();
      }
    }
  }

  @Test
  void issuerAndAudienceAreCheckedWhenSet() throws Exception {
    try (TestServer server = TestServer.start("--jwt-secret", Tokens.SECRET, "--jwt-issuer", "https://id.example",
        "--jwt-audience", "chorus");
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + HS256.sign(Tokens.claims("calm", 3600,
            List.of("*"), List.of("*")).put("iss", "https://id.example").put("aud", "chorus")))) {
      JsonObject claims = Tokens.claims("alice", 3600, List.of("*"), List.of("*"));
      String right = HS256.sign(claims.copy().put("iss", "https://id.example")
          .put("aud", new JsonArray().add("api").add("chorus")));
      String noIssuer = HS256.sign(claims.copy().put("aud", "chorus"));
      String otherAudience = HS256.sign(claims.copy().put("iss", "https://id.example").put("aud", "billing"));
      V1Client.connect(clients, "/ws?token=" + right).close();
      try (RawWebSocket refused = RawWebSocket.connect(server.port(), "/ws?token=" + noIssuer, Map.of())) {
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).contains("iss");
      }
      try (RawWebSocket refused = RawWebSocket.connect(server.port(), "/ws?token=" + otherAudience, Map.of())) {
        assertThat(refused.status()).isEqualTo(401);
        assertThat(refused.body()).contains("aud");
      }
      bystander.assertUnharmed();
    }
  }

  @Test
  void aJwksFileVerifiesTheTokensOfItsKeys(@TempDir Path directory) throws Exception {
    Tokens keys = Tokens.generate("RS256");
    try (TestServer server = TestServer.start("--jwt-jwks", keys.jwksFile(directory).toString());
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + keys.anything("calm"))) {
      V1Client alice = V1Client.connect(clients, "/ws?token=" + keys.anything("alice"));
      assertThat(alice.publish("lobby", "signed").getString("type")).isEqualTo("ack");
      try (RawWebSocket forged = RawWebSocket.connect(server.port(),
          "/ws?token=" + Tokens.generate("RS256").anything("alice"), Map.of())) {
        assertThat(forged.status()).isEqualTo(401);
      }
      bystander.assertUnharmed();
    }
  }

  @Test
  void aRotatedJwksFileVerifiesTheNewKeyWithoutARestartAndABrokenOneKeepsTheOld(@TempDir Path directory)
      throws Exception {
    Tokens old = Tokens.generate("RS256");
    Tokens rotated = Tokens.generate("RS256");
    Path file = Tokens.jwks(directory.resolve("keys.json"), old);
    try (TestServer server = TestServer.start("--jwt-jwks", file.toString());
        TestClients clients = new TestClients(server.port());
        Bystander bystander = Bystander.join(clients, BYSTANDER + old.anything("calm"))) {
      int port = server.port();
      V1Client early = V1Client.connect(clients, "/ws/lobby?token=" + old.anything("early"));
      assertThat(status(port, rotated.anything("alice"))).as("before the file names the new key").isEqualTo(401);

      Files.writeString(file, "{\"keys\":[{\"kty\":\"RSA\",");
      await().until(() -> Scrape.of(server.managementPort())
          .value("chorus_jwks_reloads_total{outcome=\"failed\"}") == 1);
      assertThat(status(port, old.anything("bob"))).as("a broken file keeps the keys read before").isEqualTo(101);

      Tokens.jwks(file, rotated);
      await().until(() -> status(port, rotated.anything("alice")) == 101);
      assertThat(status(port, old.anything("bob"))).as("the old key left the file").isEqualTo(401);
      assertThat(early.publish("lobby", "still here").getString("type")).isEqualTo("ack");
      assertThat(early.socket().isClosed()).isFalse();

      server.chorus().reloadTokenKeys();
      await().until(() -> Scrape.of(server.managementPort())
          .value("chorus_jwks_reloads_total{outcome=\"reloaded\"}") == 2);
      Scrape metrics = Scrape.of(server.managementPort());
      assertThat(metrics.value("chorus_jwks_reloads_total{outcome=\"failed\"}")).as("once per broken file")
          .isEqualTo(1);
      assertThat(status(port, rotated.anything("alice"))).isEqualTo(101);
      bystander.assertUnharmed();
    }
  }

  @Test
  void sighupMakesTheProcessReloadItsJwksFileEvenUnchanged(@TempDir Path directory) throws Exception {
    Tokens keys = Tokens.generate("RS256");
    Path file = keys.jwksFile(directory);
    try (ServerProcess process = ServerProcess.start("--port", "0", "--jwt-jwks", file.toString())) {
      new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).inheritIO().start().waitFor();

      // An unchanged file is reloaded only when forced: this line can only come from the SIGHUP.
      await().until(() -> process.output().contains("JWKS file " + file + " reloaded: 1 keys"));
      assertThat(process.output()).contains("SIGHUP received: reloading the JWKS file");
      assertThat(status(process.port(), keys.anything("alice"))).isEqualTo(101);
      assertThat(process.isAlive()).isTrue();
    }
  }

  /** The status of a plain WebSocket handshake to the lobby with the token. */
  private static int status(int port, String token) throws Exception {
    try (RawWebSocket handshake = RawWebSocket.connect(port, "/ws/lobby?token=" + token, Map.of())) {
      return handshake.status();
    }
  }
}
