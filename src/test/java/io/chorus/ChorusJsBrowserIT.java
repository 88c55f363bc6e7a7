package io.chorus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.chorus.support.Browser;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TcpProxy;
import io.chorus.support.TestSocket;
import io.chorus.support.Tokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * chorus.js in a real Chromium against the real server. The test page and the module come from a loopback server of
 * the test's own (a page from another port, as an application's would be; the module is the jar's file).
 */
class ChorusJsBrowserIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();
  @RegisterExtension
  static final ServerFixture withoutHistory = ServerFixture.with("--history-size", "0");
  /** A burst of 10 commands, then one a second; 10 more refused before it calms down would close the connection. */
  @RegisterExtension
  static final ServerFixture rateLimited = ServerFixture.with("--rate-limit", "1", "--rate-limit-burst", "10");
  @RegisterExtension
  static final ServerFixture guarded = ServerFixture.with("--jwt-secret", Tokens.SECRET);
  private static final String TITLE = "chorus.js test";
  private static Browser browser;
  private static HttpServer pages;

  @BeforeAll
  static void start() throws Exception {
    browser = Browser.launch();
    pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    pages.createContext("/", exchange -> serve(exchange, "text/html",
        ("<!DOCTYPE html><title>" + TITLE + "</title>").getBytes(StandardCharsets.UTF_8)));
    pages.createContext("/chorus.js", exchange -> {
      try (InputStream module = ChorusJsBrowserIT.class.getResourceAsStream("/webroot/chorus.js")) {
        serve(exchange, "text/javascript", module.readAllBytes());
      }
    });
    pages.start();
  }

  @AfterAll
  static void stop() throws Exception {
    pages.stop(0);
    browser.close();
  }

  @Test
  void publishResolvesWithTheAckAndSubscribersReceiveEveryMessageInOrder() throws Exception {
    Browser.Tab tab = client(server.port());

    JsonObject joined = json(tab, "chorus.subscribe('ordered', handlers)");
    JsonArray acks = new JsonArray(tab.eval("Promise.all(Array.from({length: 20},"
        + " (_, i) => chorus.publish('ordered', {n: i + 1}))).then(JSON.stringify)").toString());

    assertThat(joined.getString("room")).isEqualTo("ordered");
    assertThat(joined.getLong("seq")).isZero();
    assertThat(joined.getString("epoch")).isNotEmpty();
    assertThat(acks).containsExactlyElementsOf(IntStream.rangeClosed(1, 20)
        .mapToObj(seq -> new JsonObject().put("room", "ordered").put("seq", seq)).toList());
    await().until(() -> messages(tab).size() == 20);
    assertThat(messages(tab)).containsExactlyElementsOf(IntStream.rangeClosed(1, 20).mapToObj(seq ->
        new JsonObject().put("room", "ordered").put("seq", seq).put("data", new JsonObject().put("n", seq))).toList());
  }

  @Test
  void plainClientsAndTheLibraryShareARoomInBothFrameTypes() throws Exception {
    Browser.Tab tab = client(server.port());
    json(tab, "chorus.subscribe('mixed', handlers)");
    TestSocket plain = server.clients().connect("/ws/mixed");

    plain.send("plain text");
    plain.send(new byte[] {1, 2, 3});
    await().until(() -> messages(tab).size() == 2);
    tab.eval("Promise.all([chorus.publish('mixed', 'from the browser'), chorus.publish('mixed', {text: 'an object'}),"
        + " chorus.publish('mixed', new Uint8Array([4, 5]))]).then(() => true)");

    await().until(() -> messages(tab).size() == 5);
    assertThat(messages(tab).stream().map(message -> message.getValue(message.containsKey("data") ? "data" : "binary")))
        .containsExactly("plain text", new JsonArray().add(1).add(2).add(3), "from the browser",
            new JsonObject().put("text", "an object"), new JsonArray().add(4).add(5));
    await().until(() -> plain.messageCount() == 5);
    List<TestSocket.Received> fromBrowser = plain.messages().subList(2, 5);
    assertThat(fromBrowser.get(0).text()).isEqualTo("from the browser");
    assertThat(new JsonObject(fromBrowser.get(1).text())).isEqualTo(new JsonObject().put("text", "an object"));
    assertThat(fromBrowser.get(2).binary()).isTrue();
    assertThat(fromBrowser.get(2).data()).containsExactly(4, 5);
  }

  @Test
  void aSubscribeSinceAKnownPositionReplaysWhatFollowedIt() throws Exception {
    Browser.Tab tab = client(server.port());
    tab.eval("Promise.all(['one', 'two', 'three'].map(text => chorus.publish('replay', text))).then(() => true)");
    String epoch = json(tab, "chorus.history('replay')").getString("epoch");

    JsonObject joined = json(tab, "chorus.subscribe('replay', handlers, {since: {epoch: '" + epoch + "', seq: 1}})");

    assertThat(joined.getBoolean("recovered")).isTrue();
    await().until(() -> messages(tab).size() == 2);
    assertThat(messages(tab).stream().map(message -> message.getString("data"))).containsExactly("two", "three");
  }

  @Test
  void anErrorReplyRejectsThePromiseWithTheServersCode() throws Exception {
    Browser.Tab tab = client(server.port());
    String rejection = ".then(() => 'resolved', (error) => error.name + ' ' + error.code)";

    assertThat(tab.eval("chorus.publish('no spaces', 'hello')" + rejection)).isEqualTo("ChorusError invalid_room");
    assertThat(tab.eval("chorus.subscribe('no spaces', handlers)" + rejection)).isEqualTo("ChorusError invalid_room");
    assertThat(tab.eval("chorus.publish('fine', 'hello').then(ack => ack.seq)")).isEqualTo(1);
  }

  @Test
  void afterACutConnectionTheLibraryResumesWithEveryMessageOnceAndInOrder() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(server.port())) {
      Browser.Tab tab = client(proxy.port());
      json(tab, "chorus.subscribe('resume', handlers)");
      TestSocket publisher = server.clients().connect("/ws/resume");

      CompletableFuture<Void> flow = publishSteadily(publisher, 150);
      await().until(() -> messages(tab).size() >= 20);
      proxy.cut();
      flow.get(20, TimeUnit.SECONDS);

      await().until(() -> lastData(tab).equals("m150"));
      List<JsonObject> received = messages(tab);
      assertThat(received.stream().map(message -> message.getString("data")))
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 150).mapToObj(n -> "m" + n).toList());
      assertThat(received.stream().map(message -> message.getLong("seq")))
          .containsExactlyElementsOf(IntStream.rangeClosed(1, 150).mapToObj(seq -> (long) seq).toList());
      assertThat(subscriptions(tab)).hasSize(2);
      assertThat(subscriptions(tab).get(1).getBoolean("recovered")).isTrue();
      assertThat(tab.eval("log.gaps.length")).isEqualTo(0);
    }
  }

  @Test
  void withoutHistoryAResumeReportsRecoveredFalseAndGoesOnLive() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(withoutHistory.port())) {
      Browser.Tab tab = client(proxy.port());
      json(tab, "chorus.subscribe('forgetful', handlers)");
      TestSocket publisher = withoutHistory.clients().connect("/ws/forgetful");
      publisher.send("before");
      await().until(() -> messages(tab).size() == 1);

      proxy.cut();
      await().until(() -> subscriptions(tab).size() == 2);
      publisher.send("after");

      await().until(() -> messages(tab).size() == 2);
      assertThat(subscriptions(tab).get(1).getBoolean("recovered")).isFalse();
      assertThat(new JsonArray(tab.eval("JSON.stringify(log.gaps)").toString()))
          .containsExactly(new JsonObject().put("room", "forgetful")
              .put("epoch", subscriptions(tab).get(1).getString("epoch")).put("seq", 1));
      assertThat(lastData(tab)).isEqualTo("after");
      assertThat(tab.eval("chorus.history('forgetful').then(() => 'resolved', (error) => error.code)"))
          .isEqualTo("history_unavailable");
    }
  }

  @Test
  void aSubscribeRefusedByTheRateLimitIsTriedAgainUntilItJoins() throws Exception {
    Browser.Tab tab = client(rateLimited.port());

    Object joined = tab.eval("Promise.allSettled(Array.from({length: 12}, () => chorus.publish('patient', 'hurry')))"
        + ".then(() => chorus.subscribe('patient', handlers)).then(() => 'joined')");
    TestSocket plain = rateLimited.clients().connect("/ws/patient");
    plain.send("joined for real");

    assertThat(joined).isEqualTo("joined");
    assertThat(Scrape.of(rateLimited.managementPort())
        .sum("chorus_commands_total", "outcome=\"rate_limited\",type=\"subscribe\"")).isPositive();
    await().until(() -> "joined for real".equals(lastData(tab)));
    assertThat(tab.eval("JSON.stringify(log.states)")).isEqualTo("[\"connecting\",\"open\"]");
  }

  @Test
  void whileWebSocketsAreRefusedTheClientUsesSseAndHttpThenReturnsToAWebSocketLosingNothing() throws Exception {
    String refusing = "const Original = window.WebSocket; window.refuseWebSockets = true;"
        + "window.WebSocket = function (url, protocols) {"
        + "  return new Original(window.refuseWebSockets ? url.replace('/ws', '/refused') : url, protocols);"
        + "};";
    Browser.Tab tab = client(server.port(), refusing, "fallback: { retryWebSocketAfter: 500 },");
    JsonObject joined = json(tab, "chorus.subscribe('switching', handlers)");
    JsonObject ack = json(tab, "chorus.publish('switching', 'over HTTP')");
    JsonObject history = json(tab, "chorus.history('switching')");
    TestSocket publisher = server.clients().connect("/ws/switching");

    CompletableFuture<Void> flow = publishSteadily(publisher, 150);
    await().until(() -> messages(tab).size() >= 40);
    tab.eval("window.refuseWebSockets = false");
    flow.get(20, TimeUnit.SECONDS);

    await().until(() -> lastData(tab).equals("m150"));
    assertThat(tab.eval("JSON.stringify(log.transports.filter(t => t.startsWith('open')))"))
        .isEqualTo("[\"open sse\",\"open websocket\"]");
    assertThat(joined.getLong("seq")).isZero();
    assertThat(ack).isEqualTo(new JsonObject().put("room", "switching").put("seq", 1));
    assertThat(history.getJsonArray("messages")).hasSize(1);
    List<JsonObject> received = messages(tab);
    assertThat(received.stream().map(message -> message.getString("data"))).containsExactlyElementsOf(
        Stream.concat(Stream.of("over HTTP"), IntStream.rangeClosed(1, 150).mapToObj(n -> "m" + n)).toList());
    assertThat(received.stream().map(message -> message.getLong("seq")))
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 151).boxed().toList());
    assertThat(tab.eval("log.gaps.length")).isEqualTo(0);
  }

  /** A tab of the test page with chorus.js connected to {@code ws://127.0.0.1:port/ws}, logging what it reports. */
  @Test
  void aRoomTheRefreshedTokenNoLongerAllowsIsGivenUpWithAForbiddenErrorAndTheOthersGoOn() throws Exception {
    Tokens tokens = Tokens.hs256(Tokens.SECRET);
    // Expiring in 26 s, plus the 5 s leeway: the server asks for a fresh token at once (30 s ahead).
    String first = tokens.token("alice", 26, List.of("team-*"), List.of("team-*"));
    String narrower = tokens.token("alice", 3600, List.of("team-b"), List.of("team-b"));
    Browser.Tab tab = client(guarded.port(), "", "token: (() => { const given = ['" + first + "', '" + narrower
        + "']; let calls = 0; return () => given[Math.min(calls++, 1)]; })(),");
    tab.eval("window.errors = []; window.own = { ...handlers, onError: (e) => errors.push(e.code + ' ' + e.message) };"
        + " Promise.all([chorus.subscribe('team-a', own), chorus.subscribe('team-b', own)]).then(() => true)");

    await().until(() -> ((Number) tab.eval("errors.length")).intValue() == 1);
    assertThat(tab.eval("errors[0]")).isEqualTo(
        "forbidden the server unsubscribed this client from team-a: its token no longer allows the room");
    assertThat(tab.eval("chorus.publish('team-b', 'still here').then(ack => ack.seq)")).isEqualTo(1);
    await().until(() -> messages(tab).size() == 1);
    assertThat(messages(tab).get(0).getString("room")).isEqualTo("team-b");
    assertThat(tab.eval("chorus.publish('team-a', 'gone').then(() => 'sent', (e) => e.code)")).isEqualTo("forbidden");
  }

  private static Browser.Tab client(int port) throws Exception {
    return client(port, "", "");
  }

  /**
   * As {@link #client(int)}, with a script run before the page's ({@code beforeLoad}) and more options for
   * {@code connect} ({@code options}, e.g. {@code fallback: true,}); {@code log.transports} has "{state} {transport}".
   */
  private static Browser.Tab client(int port, String beforeLoad, String options) throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + pages.getAddress().getPort() + "/", beforeLoad);
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.eval("document.title").equals(TITLE));
    tab.eval("(async () => {"
        + "  const { connect } = await import('/chorus.js');"
        + "  window.log = { states: [], transports: [], messages: [], subscribed: [], gaps: [] };"
        + "  window.chorus = connect('ws://127.0.0.1:" + port + "/ws', { " + options
        + "    onState: (state, info) => { log.states.push(state); log.transports.push(state + ' ' + info.transport); },"
        + "  });"
        + "  window.handlers = {"
        + "    onMessage: (m) => log.messages.push(m.binary ? { ...m, binary: [...m.binary] } : m),"
        + "    onSubscribed: (s) => log.subscribed.push(s),"
        + "    onGap: (g) => log.gaps.push(g),"
        + "  };"
        + "  return true;"
        + "})()");
    return tab;
  }

  private static JsonObject json(Browser.Tab tab, String promise) throws Exception {
    return new JsonObject(tab.eval(promise + ".then(JSON.stringify)").toString());
  }

  private static List<JsonObject> messages(Browser.Tab tab) throws Exception {
    return objects(tab.eval("JSON.stringify(log.messages)"));
  }

  private static List<JsonObject> subscriptions(Browser.Tab tab) throws Exception {
    return objects(tab.eval("JSON.stringify(log.subscribed)"));
  }

  private static String lastData(Browser.Tab tab) throws Exception {
    return String.valueOf(tab.eval("log.messages.length ? log.messages[log.messages.length - 1].data : ''"));
  }

  private static List<JsonObject> objects(Object json) {
    return new JsonArray(json.toString()).stream().map(JsonObject.class::cast).toList();
  }

  /**
   * Sends "m1" .. "m{count}" as plain text frames, one every 20 ms, so that messages are still flowing while the
   * connection is cut and resumed. At that pace the history (100 messages by default) covers 2 s away, beyond the
   * first reconnect's delay (at most 0.5 s).
   */
  private static CompletableFuture<Void> publishSteadily(TestSocket publisher, int count) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    ScheduledExecutorService pace = Executors.newSingleThreadScheduledExecutor();
    AtomicInteger next = new AtomicInteger(1);
    pace.scheduleAtFixedRate(() -> {
      int n = next.getAndIncrement();
      publisher.sendAsync("m" + n);
      if (n == count) {
        done.complete(null);
        pace.shutdown();
      }
    }, 0, 20, TimeUnit.MILLISECONDS);
    return done;
  }

  private static void serve(HttpExchange exchange, String contentType, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", contentType + "; charset=utf-8");
    exchange.sendResponseHeaders(200, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
