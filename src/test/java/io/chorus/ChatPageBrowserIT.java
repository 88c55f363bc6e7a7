package io.chorus;

import com.sun.net.httpserver.HttpServer;
import io.chorus.support.Browser;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TcpProxy;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.chorus.support.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real Chromium tabs chatting through Chorus: the server's own page, and the seed tutorial's page unchanged. */
class ChatPageBrowserIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();
  @RegisterExtension
  static final ServerFixture announcing = ServerFixture.with("--presence-rooms", "online-room");
  @RegisterExtension
  static final ServerFixture guarded = ServerFixture.with("--jwt-secret", Tokens.SECRET);
  private static final String WELCOME = "Welcome to the chat!";
  private static final String VIA_WEBSOCKET = "connected (WebSocket)";
  private static final String VIA_SSE = "connected (SSE fallback)";
  /** How the page reports a resume that lost nothing, however many messages it missed while away. */
  static final String RECOVERED = "Reconnected — (no messages missed|\\d+ missed messages? recovered)\\.";
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    browser = Browser.launch();
  }

  @AfterAll
  static void stop() throws Exception {
    browser.close();
  }

  @Test
  void twoTabsOfTheChatPageChatInTheirRoom() throws Exception {
    String page = "http://127.0.0.1:" + server.port() + "/?room=browser-room";
    Browser.Tab alice = browser.open(page, "");
    Browser.Tab bob = browser.open(page, "");
    for (Browser.Tab tab : new Browser.Tab[] {alice, bob}) {
      await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
      await().until(() -> tab.texts("#messages .text").contains("Welcome to the chat!"));
    }
    assertThat(alice.text("#room")).isEqualTo("browser-room");
    assertThat(alice.text("#user")).isEqualTo("guest");

    alice.eval("document.getElementById('messageInput').value = 'hello from Alice'");
    alice.eval("document.getElementById('sendButton').click()");
    bob.eval("const input = document.getElementById('messageInput'); input.value = 'hi Alice';"
        + "document.getElementById('composer').requestSubmit()");

    for (Browser.Tab tab : new Browser.Tab[] {alice, bob}) {
      await().until(() -> tab.texts("#messages .text").containsAll(java.util.List.of("hello from Alice", "hi Alice")));
    }
    assertThat(alice.eval("document.getElementById('messageInput').value")).isEqualTo("");
  }

  @Test
  void aTabWithoutWebSocketChatsOverSseAndHttpWithAWebSocketTab() throws Exception {
    TestSocket earlier = server.clients().connect("/ws/fallback-room");
    earlier.send("said earlier");
    await().until(() -> earlier.messageCount() == 1);
    String page = "http://127.0.0.1:" + server.port() + "/?room=fallback-room";
    Browser.Tab fallback = browser.open(page, "delete window.WebSocket;");
    Browser.Tab socket = openConnected(server.port(), "fallback-room");
    await().atMost(Duration.ofSeconds(20)).until(() -> fallback.text("#status").equals(VIA_SSE));
    await().until(() -> fallback.texts("#messages .text").size() == 2);

    fallback.eval("document.getElementById('messageInput').value = 'sent over HTTP';"
        + "document.getElementById('composer').requestSubmit()");
    await().until(() -> socket.texts("#messages .text").contains("sent over HTTP"));
    socket.eval("document.getElementById('messageInput').value = 'sent over a WebSocket';"
        + "document.getElementById('composer').requestSubmit()");

    await().until(() -> fallback.texts("#messages .text").contains("sent over a WebSocket"));
    assertThat(fallback.texts("#messages .text"))
        .containsExactly(WELCOME, "said earlier", "sent over HTTP", "sent over a WebSocket");
    assertThat(socket.texts("#messages .text"))
        .containsExactly(WELCOME, "said earlier", "sent over HTTP", "sent over a WebSocket");
    assertThat(fallback.eval("typeof WebSocket")).isEqualTo("undefined");
    assertThat(fallback.text("#status")).isEqualTo(VIA_SSE);
  }

  @Test
  void incomingTextIsShownAsTextAndBinaryAsANoteWithItsSize() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/?room=rendering", "");
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
    TestSocket sender = server.clients().connect("/ws/rendering");
    String markup = "<img src=x onerror=\"document.title='owned'\"><b>bold?</b>";

    sender.send(markup);
    sender.send(new byte[] {1, 2, 3, 4, 5});

    await().until(() -> tab.texts("#messages .text").contains("[binary message, 5 bytes]"));
    assertThat(tab.texts("#messages .text")).contains(markup);
    assertThat(tab.eval("document.querySelectorAll('#messages img, #messages b').length")).isEqualTo(0);
    assertThat(tab.eval("document.title")).isEqualTo("Chorus Chat");
  }

  @Test
  void joiningShowsTheRoomsLastMessagesThenLiveOnes() throws Exception {
    TestSocket sender = server.clients().connect("/ws/history-room");
    sender.send("earlier one");
    sender.send("earlier two");
    await().until(() -> sender.messageCount() == 2);

    Browser.Tab tab = openConnected(server.port(), "history-room");
    await().until(() -> tab.texts("#messages .text").size() == 3);
    sender.send("live three");

    await().until(() -> tab.texts("#messages .text").size() == 4);
    assertThat(tab.texts("#messages .text")).containsExactly(WELCOME, "earlier one", "earlier two", "live three");
  }

  @Test
  void aCutConnectionResumesWithoutGapOrDuplicate() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(server.port())) {
      Browser.Tab tab = openConnected(proxy.port(), "cut-room");
      TestSocket sender = server.clients().connect("/ws/cut-room");
      List<String> sent = new ArrayList<>();

      sendAll(sender, "before", sent);
      await().until(() -> tab.texts("#messages .text").contains("before 5"));
      proxy.cut();
      sendAll(sender, "while cut", sent);
      await().until(() -> tab.texts("#messages .text").contains("while cut 5"));
      sendAll(sender, "after", sent);

      await().until(() -> tab.texts("#messages .text").contains("after 5"));
      assertThat(tab.texts("#messages li.message .text")).containsExactlyElementsOf(sent);
      assertThat(tab.texts("#messages li.system .text")).as("one welcome, one resume that recovered what it missed")
          .hasSize(2).startsWith(WELCOME).last().asString().matches(RECOVERED);
    }
  }

  @Test
  void thePageShowsWhoIsOnlineAndTheJoinsAndLeavesOfARoomThatAnnouncesThem() throws Exception {
    Browser.Tab alice = openConnected(announcing.port(), "online-room");
    await().until(() -> alice.text("#onlineCount").equals("1"));
    assertThat(alice.texts("#people li")).containsExactly("guest");
    Browser.Tab bob = openConnected(announcing.port(), "online-room");
    await().until(() -> bob.text("#onlineCount").equals("2"));
    assertThat(bob.texts("#people li")).containsExactly("guest ×2");
    await().until(() -> alice.text("#onlineCount").equals("2"));

    V1Client passing = V1Client.connect(announcing.clients(), "/ws");
    passing.subscribe("online-room");
    await().until(() -> alice.text("#onlineCount").equals("3") && bob.text("#onlineCount").equals("3"));
    passing.request(new JsonObject().put("type", "unsubscribe").put("room", "online-room"));
    await().until(() -> alice.text("#onlineCount").equals("2") && bob.text("#onlineCount").equals("2"));

    await().until(() -> alice.texts("#messages li.presence").size() == 3);
    assertThat(alice.texts("#messages li.presence")).containsExactly("guest joined", "guest joined", "guest left");
    await().until(() -> bob.texts("#messages li.presence").size() == 2);
    assertThat(bob.texts("#messages li.presence")).as("no line for the page's own join")
        .containsExactly("guest joined", "guest left");
  }

  @Test
  void aRoomThatDoesNotAnnounceJoinsStillShowsWhoIsOnline() throws Exception {
    TestSocket plain = server.clients().connect("/ws/unannounced-room");

    Browser.Tab tab = openConnected(server.port(), "unannounced-room");

    await().until(() -> tab.text("#onlineCount").equals("2"));
    assertThat(tab.texts("#people li")).containsExactly("guest ×2");
    assertThat(tab.texts("#messages li.presence")).isEmpty();
    plain.close();
  }

  @Test
  void thePageShowsItsTokensUserAndWhenRefusedSaysWhyAndStopsReconnecting() throws Exception {
    JsonObject claims = Tokens.claims("alice", 3600, List.of("*"), List.of("*"))
        .put("info", new JsonObject().put("name", "Alice A."));
    String page = "http://127.0.0.1:" + guarded.port() + "/";
    String accepted = "chorus_handshakes_total{outcome=\"accepted\"}";
    double acceptedBefore = Scrape.of(guarded.managementPort()).value(accepted);
    Browser.Tab alice = browser.open(page + "#token=" + Tokens.hs256(Tokens.SECRET).sign(claims), "");
    await().atMost(Duration.ofSeconds(20)).until(() -> alice.text("#status").equals(VIA_WEBSOCKET));
    assertThat(alice.text("#user")).isEqualTo("Alice A.");

    Browser.Tab stranger = browser.open(page, "");
    await().atMost(Duration.ofSeconds(20)).until(() -> stranger.text("#status").startsWith("unauthorised"));
    assertThat(stranger.text("#status")).isEqualTo("unauthorised: a token is required");
    assertThat(stranger.texts("#messages li.error")).anyMatch(text -> text.startsWith("Not connected"));
    assertThat(stranger.eval("document.getElementById('sendButton').disabled")).isEqualTo(true);
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
        .until(() -> Scrape.of(guarded.managementPort()).value(accepted) == acceptedBefore + 2);
  }

  @Test
  void underTokensATabWithoutWebSocketChatsWithItsTokenOverSseAndHttp() throws Exception {
    Tokens tokens = Tokens.hs256(Tokens.SECRET);
    String page = "http://127.0.0.1:" + guarded.port() + "/?room=team-fallback#token=";
    JsonObject carol = Tokens.claims("carol", 3600, List.of("team-*"), List.of("team-*"))
        .put("info", new JsonObject().put("name", "Carol C."));
    Browser.Tab fallback = browser.open(page + tokens.sign(carol), "delete window.WebSocket;");
    Browser.Tab socket = browser.open(page + tokens.anything("dave"), "");
    await().atMost(Duration.ofSeconds(20)).until(() -> fallback.text("#status").equals(VIA_SSE)
        && socket.text("#status").equals(VIA_WEBSOCKET));
    assertThat(fallback.text("#user")).isEqualTo("Carol C.");
    await().until(() -> fallback.texts("#people li").contains("carol") && socket.texts("#people li").contains("dave"));

    fallback.eval("document.getElementById('messageInput').value = 'posted with a token';"
        + "document.getElementById('composer').requestSubmit()");
    await().until(() -> socket.texts("#messages .text").contains("posted with a token"));
    socket.eval("document.getElementById('messageInput').value = 'answered on a socket';"
        + "document.getElementById('composer').requestSubmit()");
    await().until(() -> fallback.texts("#messages .text").contains("answered on a socket"));
    assertThat(fallback.texts("#messages .text")).containsSubsequence("posted with a token", "answered on a socket");
    assertThat(fallback.texts("#messages li.error")).isEmpty();
  }

  @Test
  void invalidRoomInTheAddressFallsBackToTheLobbyWithANotice() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/?room=no%20spaces", "");

    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
    assertThat(tab.text("#room")).isEqualTo("lobby");
    assertThat(tab.text("#messages .text")).startsWith("Invalid room name");
  }

  private static Browser.Tab openConnected(int port, String room) throws Exception {
    return openConnected(browser, port, room);
  }

  /** The chat page of {@code room}, once it is connected over WebSocket and shows the welcome. */
  static Browser.Tab openConnected(Browser browser, int port, String room) throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + port + "/?room=" + room, "");
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(VIA_WEBSOCKET));
    await().until(() -> tab.texts("#messages .text").contains(WELCOME));
    return tab;
  }

  /** Sends "{prefix} 1" .. "{prefix} 5" as a plain client and records them as expected on the page. */
  private static void sendAll(TestSocket sender, String prefix, List<String> sent) throws Exception {
    for (int n = 1; n <= 5; n++) {
      sender.send(prefix + " " + n);
      sent.add(prefix + " " + n);
    }
  }

  /**
   * The seed tutorial's page, byte for byte, served from another loopback port as a developer would. It connects
   * to the hard-coded {@code ws://localhost:8080}; the test points that address at the test server by wrapping the
   * browser's WebSocket constructor before the page runs, so the page itself stays unchanged.
   */
  @Test
  void tutorialPageUnchangedChatsThroughChorus() throws Exception {
    HttpServer pageServer = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pageServer.createContext("/", exchange -> {
      try (InputStream page = getClass().getResourceAsStream("/seed/tutorial-client.html");
           OutputStream body = exchange.getResponseBody()) {
        byte[] bytes = page.readAllBytes();
        exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        body.write(bytes);
      }
    });
    pageServer.start();
    try {
      String redirect = "const Original = window.WebSocket;"
          + "window.WebSocket = function (url, protocols) {"
          + "  return new Original(url.replace('ws://localhost:8080', 'ws://127.0.0.1:" + server.port() + "'), protocols);"
          + "};"
          + "window.WebSocket.prototype = Original.prototype; Object.assign(window.WebSocket, Original);";
      String page = "http://127.0.0.1:" + pageServer.getAddress().getPort() + "/";
      Browser.Tab first = browser.open(page, redirect);
      Browser.Tab second = browser.open(page, redirect);
      for (Browser.Tab tab : new Browser.Tab[] {first, second}) {
        await().atMost(Duration.ofSeconds(20))
            .until(() -> tab.texts("#messages div").contains(TestSocket.WELCOME));
      }

      first.eval("document.getElementById('messageInput').value = 'tutorial says hi'");
      first.eval("document.getElementById('sendButton').click()");

      for (Browser.Tab tab : new Browser.Tab[] {first, second}) {
        await().until(() -> tab.texts("#messages div").contains("tutorial says hi"));
      }
    } finally {
      pageServer.stop(0);
    }
  }
}
