package io.chorus;

import com.sun.net.httpserver.HttpServer;
import io.chorus.support.Browser;
import io.chorus.support.ServerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Chromium's EventSource on an SSE stream, fed by the page's own fetch POSTs to the HTTP API: from the
 * server's own origin, and from a page of another origin that {@code --allowed-origins} names (the browser resolves
 * {@code *.example} to 127.0.0.1, see {@link Browser}).
 */
class SseBrowserIT {

  private static final String TITLE = "another origin";
  /** Started before the fixture, whose allowed origin names its port. */
  private static final HttpServer pages = pages();
  private static final String ALLOWED = "http://app.example:" + pages.getAddress().getPort();
  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--allowed-origins", ALLOWED);
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    browser = Browser.launch();
  }

  @AfterAll
  static void stop() throws Exception {
    pages.stop(0);
    browser.close();
  }

  @Test
  void anEventSourceReceivesWhatThePagePostsWithEachPositionAsLastEventId() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/", "");
    await().atMost(Duration.ofSeconds(20)).until(() -> "Chorus Chat".equals(tab.eval("document.title")));

    Object created = postAndListen(tab, "", "browser-sse");

    assertThat(tab.eval("window.received[0]")).isEqualTo(created
        + " {\"type\":\"message\",\"room\":\"browser-sse\",\"seq\":" + created.toString().split(":")[1]
        + ",\"data\":{\"text\":\"hi\"}}");
  }

  @Test
  void aPageOfAnAllowedOriginReadsTheStreamAndPostsWithItsCookiesAndOneOfAnotherOriginIsRefused() throws Exception {
    String chorus = "http://127.0.0.1:" + server.port();
    Browser.Tab allowed = page(ALLOWED);
    Browser.Tab refused = page("http://other.example:" + pages.getAddress().getPort());

    Object created = postAndListen(allowed, chorus, "cross-origin");
    Object withCookies = allowed.eval("fetch('" + chorus + "/api/rooms/cross-origin/messages', {method: 'POST',"
        + " credentials: 'include', headers: {'Content-Type': 'application/json'}, body: '\"with cookies\"'})"
        + ".then(response => 'answered ' + response.status, error => 'refused: ' + error.message)");
    Object refusal = refused.eval("fetch('" + chorus + "/api/rooms/cross-origin/messages', {method: 'POST',"
        + " headers: {'Content-Type': 'application/json'}, body: '\"not allowed\"'})"
        + ".then(response => 'answered ' + response.status, error => 'refused: ' + error.message)");

    assertThat(allowed.eval("window.received[0]").toString()).startsWith(created + " ");
    assertThat(withCookies).isEqualTo("answered 201");
    assertThat(refusal).isEqualTo("refused: Failed to fetch");
    assertThat(allowed.eval("fetch('" + chorus + "/api/rooms/cross-origin/messages')"
        + ".then(response => response.json()).then(history => history.messages.length)")).isEqualTo(2);
  }

  private static Browser.Tab page(String origin) throws Exception {
    Browser.Tab tab = browser.open(origin + "/", "");
    await().atMost(Duration.ofSeconds(20)).until(() -> TITLE.equals(tab.eval("document.title")));
    return tab;
  }

  /**
   * Opens an EventSource on {@code room} at {@code chorus} ("" for the page's own origin), POSTs {"text": "hi"}
   * there once it subscribed, and waits for it to arrive; returns the POST's position as epoch:seq.
   */
  private static Object postAndListen(Browser.Tab tab, String chorus, String room) throws Exception {
    tab.eval("window.received = []; window.subscribed = 0;"
        + "const source = new EventSource('" + chorus + "/sse/" + room + "', {withCredentials: true});"
        + "source.addEventListener('subscribed', () => window.subscribed++);"
        + "source.onmessage = event => window.received.push(event.lastEventId + ' ' + event.data); true");
    await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(1).equals(
        ((Number) tab.eval("window.subscribed")).intValue()));

    Object created = tab.eval("fetch('" + chorus + "/api/rooms/" + room + "/messages', {method: 'POST',"
        + " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})})"
        + ".then(response => response.json()).then(json => json.epoch + ':' + json.seq)");
    await().until(() -> ((Number) tab.eval("window.received.length")).intValue() == 1);
    return created;
  }

  /** A loopback server of an application's pages: each origin that resolves here gets the same empty page. */
  private static HttpServer pages() {
    try {
      HttpServer pages = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      byte[] page = ("<!DOCTYPE html><title>" + TITLE + "</title>").getBytes(StandardCharsets.UTF_8);
      pages.createContext("/", exchange -> {
        exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, page.length);
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(page);
        }
      });
      pages.start();
      return pages;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
