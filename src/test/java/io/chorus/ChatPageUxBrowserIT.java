package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.ServerFixture;
import io.chorus.support.TcpProxy;
import io.chorus.support.TestSocket;
import io.chorus.support.Tokens;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the chat page tells its user, in real Chromium tabs: a message over the server's limit refused before it is
 * sent, the server's refusals, the user's own messages and when each message came, what a reconnect recovered or
 * lost, Send only while connected, and a page that is accessible and fits a phone 390 px wide. The screenshots stay
 * in target/screenshots/ for a person to look at.
 */
class ChatPageUxBrowserIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();
  /**
   * The page's join costs four commands (connect, subscribe, presence, history) of a burst of 10, refilled at 1 a
   * second: however long the test takes to send, 12 quick sends go past it by 2 to 6, fewer than the burst's worth of
   * refusals that would close the connection.
   */
  @RegisterExtension
  static final ServerFixture strict = ServerFixture.with(
      "--max-message-size", "1KiB", "--rate-limit", "1", "--rate-limit-burst", "10");
  /** History holds the last 2 messages of a room: a page away for more cannot get them back. */
  @RegisterExtension
  static final ServerFixture forgetful = ServerFixture.with("--history-size", "2");
  @RegisterExtension
  static final ServerFixture guarded = ServerFixture.with("--jwt-secret", Tokens.SECRET);
  private static final String WELCOME = "Welcome to the chat!";
  private static final String CONNECTED = "connected (WebSocket)";
  private static final Path SCREENSHOTS = Path.of("target", "screenshots");
  private static final String INPUT = "document.getElementById('messageInput')";
  private static final String SUBMIT = "document.getElementById('composer').requestSubmit()";
  private static final String SEND_DISABLED = "document.getElementById('sendButton').disabled";
  /**
   * Every piece of text on the page (and the message box's text and placeholder), with its colour's contrast on the
   * background it is drawn on (WCAG 2.2's formula): {checked: how many, failures: those under 4.5:1}.
   */
  private static final String CONTRAST = """
      (() => {
        const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
        const linear = (c) => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
        const luminance = ([r, g, b]) => 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
        const background = (element) => {
          for (let e = element; e; e = e.parentElement) {
            const color = rgb(getComputedStyle(e).backgroundColor);
            if (color.length === 3 || color[3] > 0) return color;
          }
          return [255, 255, 255];
        };
        const ratio = (text, element) => {
          const [light, dark] = [luminance(rgb(text)), luminance(background(element))].sort((a, b) => b - a);
          return (light + 0.05) / (dark + 0.05);
        };
        const input = document.getElementById("messageInput");
        const texts = [...document.querySelectorAll("body *")]
          .filter((e) => e.getClientRects().length
            && [...e.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim()))
          .map((e) => [e.tagName + "#" + e.id + "." + e.className + " " + e.textContent.slice(0, 30),
            getComputedStyle(e).color, e]);
        texts.push(["placeholder", getComputedStyle(input, "::placeholder").color, input],
          ["input", getComputedStyle(input).color, input]);
        const failures = texts.map(([name, color, e]) => [name, ratio(color, e)]).filter(([, r]) => r < 4.5)
          .map(([name, r]) => name + ": " + r.toFixed(2));
        return JSON.stringify({ checked: texts.length, failures });
      })()""";
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
  void aMessageOverTheServersLimitIsRefusedInThePageAndKeptForEditing() throws Exception {
    TestSocket listener = strict.clients().connect("/ws/limit-room");
    Browser.Tab tab = openConnected(strict.port(), "limit-room");
    String long2000 = "x".repeat(2000);

    tab.eval(INPUT + ".value = '" + long2000 + "'; " + SUBMIT);

    await().until(() -> !tab.text("#composerNote").isEmpty());
    assertThat(tab.text("#composerNote")).matches("Too long: 2,0\\d\\d of at most 1,024 bytes\\.");
    assertThat(tab.eval(INPUT + ".value")).as("the text stays, to be shortened").isEqualTo(long2000);
    assertThat(tab.eval(INPUT + ".getAttribute('aria-invalid')")).isEqualTo("true");
    tab.eval(INPUT + ".value = 'short enough'; " + INPUT + ".dispatchEvent(new Event('input')); " + SUBMIT);
    await().until(() -> listener.messageCount() == 1);
    assertThat(listener.texts()).as("the long one never reached the server").containsExactly("short enough");
    await().until(() -> tab.texts("#messages li.own .text").equals(List.of("short enough")));
    assertThat(tab.text("#composerNote")).isEmpty();
    assertThat(tab.eval(INPUT + ".hasAttribute('aria-invalid')")).isEqualTo(false);
    assertThat(tab.text("#status")).as("never closed with 1009").isEqualTo(CONNECTED);
    assertThat(tab.texts("#messages li.system .text")).containsExactly(WELCOME);
  }

  @Test
  void onTheFallbackTooAMessageOverTheLimitIsRefusedInThePage() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + strict.port() + "/?room=fallback-limit-room",
        "delete window.WebSocket;");
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals("connected (SSE fallback)"));

    tab.eval(INPUT + ".value = 'é'.repeat(600); " + SUBMIT);

    await().until(() -> !tab.text("#composerNote").isEmpty());
    assertThat(tab.text("#composerNote")).as("the body: 600 two-byte letters and two quotes")
        .isEqualTo("Too long: 1,202 of at most 1,024 bytes.");
    assertThat(tab.eval(INPUT + ".value")).isEqualTo("é".repeat(600));
    assertThat(tab.texts("#messages li.error")).isEmpty();
  }

  @Test
  void rateLimitedAndForbiddenPublishesShowTheServersErrorAndGiveTheTextBack() throws Exception {
    Browser.Tab hasty = openConnected(strict.port(), "hasty-room");
    hasty.eval("for (let i = 1; i <= 12; i++) { " + INPUT + ".value = 'hasty ' + i; " + SUBMIT + "; }");
    await().until(() -> !hasty.texts("#messages li.error").isEmpty());
    String refused = hasty.texts("#messages li.error").get(0);
    assertThat(refused).matches("Not sent \\(rate_limited: over the rate limit of the connection\\): hasty \\d+");
    assertThat(hasty.eval(INPUT + ".value")).as("the first refused text, back in the box")
        .isEqualTo(refused.substring(refused.lastIndexOf("hasty")));

    JsonObject reader = Tokens.claims("rita", 3600, List.of("*"), List.of());
    Browser.Tab readOnly = browser.open("http://127.0.0.1:" + guarded.port() + "/#token="
        + Tokens.hs256(Tokens.SECRET).sign(reader), "");
    await().atMost(Duration.ofSeconds(20)).until(() -> readOnly.text("#status").equals(CONNECTED));
    readOnly.eval(INPUT + ".value = 'may I?'; " + SUBMIT);
    await().until(() -> !readOnly.texts("#messages li.error").isEmpty());
    assertThat(readOnly.texts("#messages li.error"))
        .containsExactly("Not sent (forbidden: the token does not allow publishing in lobby): may I?");
    assertThat(readOnly.eval(INPUT + ".value")).isEqualTo("may I?");
  }

  @Test
  void theSendersOwnMessagesAreMarkedAndEachMessageSaysWhenItCame() throws Exception {
    TestSocket plain = server.clients().connect("/ws/own-room");
    plain.send("said before");
    await().until(() -> plain.messageCount() == 1);
    Browser.Tab alice = openConnected(server.port(), "own-room");
    Browser.Tab bob = openConnected(server.port(), "own-room");

    alice.eval(INPUT + ".value = 'from Alice'; " + SUBMIT);
    await().until(() -> bob.texts("#messages li.message .text").contains("from Alice"));
    bob.eval(INPUT + ".value = 'from Bob'; " + SUBMIT);

    List<String> inOrder = List.of("said before", "from Alice", "from Bob");
    for (Browser.Tab tab : new Browser.Tab[] {alice, bob}) {
      await().until(() -> tab.texts("#messages li.message .text").equals(inOrder));
      await().until(() -> tab.texts("#messages li.own").size() == 1);
      assertThat(tab.texts("#messages li.earlier .meta")).as("from history: its arrival is not its time")
          .containsExactly("earlier");
      assertThat(tab.eval("[...document.querySelectorAll('#messages li.message:not(.earlier) time')].every(t =>"
          + " Math.abs(Date.parse(t.dateTime) - Date.now()) < 60000 && /\\d\\d.\\d\\d/.test(t.textContent))"))
          .as("a live message shows when it came").isEqualTo(true);
      assertThat(tab.texts("#messages li.message:not(.earlier) time")).hasSize(2);
    }
    assertThat(alice.texts("#messages li.own .text")).containsExactly("from Alice");
    assertThat(bob.texts("#messages li.own .text")).containsExactly("from Bob");
    assertThat(alice.texts("#messages li.own .who")).containsExactly("you");
  }

  @Test
  void aReconnectSaysHowManyMissedMessagesWereRecoveredAndSendWaitsForIt() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(server.port())) {
      Browser.Tab tab = awayWhile(proxy, server, "away-room", 3);

      await().until(() -> !tab.texts("#messages li.reconnected").isEmpty());
      assertThat(tab.texts("#messages li.reconnected")).containsExactly("Reconnected — 3 missed messages recovered.");
      await().until(() -> tab.texts("#messages li.message .text").size() == 5);
      assertThat(tab.texts("#messages li.message .text"))
          .containsExactly("before 1", "before 2", "missed 1", "missed 2", "missed 3");
      assertThat(tab.texts("#messages li.system .text")).as("no second welcome").containsOnlyOnce(WELCOME);
      await().until(() -> tab.eval(SEND_DISABLED).equals(false));
      tab.eval(SUBMIT);
      await().until(() -> tab.texts("#messages li.own .text").equals(List.of("typed while away")));
      tab.screenshot(SCREENSHOTS.resolve("chat-reconnected.png"));
    }
  }

  @Test
  void aReconnectAfterHistoryMovedOnSaysTheMissedMessagesWereLost() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(forgetful.port())) {
      Browser.Tab tab = awayWhile(proxy, forgetful, "lost-room", 5);

      await().until(() -> !tab.texts("#messages li.reconnected").isEmpty());
      assertThat(tab.texts("#messages li.reconnected"))
          .containsExactly("Reconnected — 5 missed messages could not be recovered.");
      assertThat(tab.texts("#messages li.system .text")).as("said once, not again as a gap").hasSize(2);
      assertThat(tab.texts("#messages li.message .text")).containsExactly("before 1", "before 2");
    }
  }

  @Test
  void atAPhonesWidthThePageFitsAndIsReadableAndUsableByKeyboard() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/?room=phone-room", "");
    tab.viewport(390, 844);
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(CONNECTED));
    TestSocket plain = server.clients().connect("/ws/phone-room");
    plain.send("Morning! Is the build green again? " + "A long line that has to wrap on a phone. ".repeat(3));
    tab.eval(INPUT + ".value = 'Green since 9:40, all tests passed.'; " + SUBMIT);
    plain.send("https://chorus.example/a/very/long/address/without/any/space/" + "x".repeat(80));
    await().until(() -> tab.texts("#messages li.own").size() == 1 && tab.texts("#messages li.message").size() == 3);
    tab.eval(INPUT + ".value = 'y'.repeat(70000); " + SUBMIT);
    await().until(() -> tab.text("#composerNote").startsWith("Too long: 70,0"));

    tab.screenshot(SCREENSHOTS.resolve("chat-390.png"));
    assertThat(tab.eval("document.documentElement.scrollWidth")).as("no sideways scrolling").isEqualTo(390);
    assertThat(tab.eval("(() => { const r = document.getElementById('sendButton').getBoundingClientRect();"
        + " return r.right <= innerWidth && r.bottom <= innerHeight && r.width >= 44; })()"))
        .as("Send on screen and big enough to tap").isEqualTo(true);
    JsonObject contrast = new JsonObject(tab.eval(CONTRAST).toString());
    assertThat(contrast.getInteger("checked")).isGreaterThan(10);
    assertThat(contrast.getJsonArray("failures")).as("text under 4.5:1").isEmpty();
    assertThat(tab.eval(INPUT + ".labels[0].textContent")).isEqualTo("Message");
    assertThat(tab.eval("document.getElementById('messages').getAttribute('aria-live')")).isEqualTo("polite");
    tab.eval(INPUT + ".focus()");
    tab.press("Tab", 9);
    assertThat(tab.eval("document.activeElement.id")).isEqualTo("sendButton");
    assertThat(tab.eval("(() => { const s = getComputedStyle(document.activeElement);"
        + " return document.activeElement.matches(':focus-visible') && s.outlineStyle + ' ' + s.outlineWidth; })()"))
        .as("keyboard focus is visible").isEqualTo("solid 3px");
  }

  private static Browser.Tab openConnected(int port, String room) throws Exception {
    return ChatPageBrowserIT.openConnected(browser, port, room);
  }

  /**
   * A tab that got "before 1" and "before 2" through {@code proxy}, then lost its connection (the proxy sends it to a
   * closed port) while
   * {@code missed} more were sent, and was let back in. While it was away, Send was disabled, with a readable page,
   * and a message typed then stayed in the box.
   */
  private static Browser.Tab awayWhile(TcpProxy proxy, ServerFixture fixture, String room, int missed)
      throws Exception {
    Browser.Tab tab = openConnected(proxy.port(), room);
    TestSocket sender = fixture.clients().connect("/ws/" + room);
    sender.send("before 1");
    sender.send("before 2");
    await().until(() -> tab.texts("#messages li.message").size() == 2);
    assertThat(tab.eval(SEND_DISABLED)).isEqualTo(false);

    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      proxy.retarget(closed.getLocalPort());
    }
    proxy.cut();
    await().until(() -> tab.eval(SEND_DISABLED).equals(true));
    assertThat(tab.text("#status")).matches("disconnected.*|connecting…");
    tab.eval(INPUT + ".value = 'typed while away'; " + SUBMIT);
    assertThat(tab.eval(INPUT + ".value")).as("not sent, kept").isEqualTo("typed while away");
    JsonObject contrast = new JsonObject(tab.eval(CONTRAST).toString());
    assertThat(contrast.getJsonArray("failures")).as("text under 4.5:1 while disconnected").isEmpty();
    tab.screenshot(SCREENSHOTS.resolve("chat-" + room + "-disconnected.png"));
    for (int n = 1; n <= missed; n++) {
      sender.send("missed " + n);
    }
    await().until(() -> sender.messageCount() == 2 + missed);
    proxy.retarget(fixture.port());
    await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals(CONNECTED));
    return tab;
  }
}
