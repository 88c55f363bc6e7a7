package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.ServerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A real Chromium's EventSource on an SSE stream, fed by the page's own fetch POSTs to the HTTP API. */
class SseBrowserIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with();
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
  void anEventSourceReceivesWhatThePagePostsWithEachPositionAsLastEventId() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/", "");
    tab.eval("window.received = []; window.subscribed = 0;"
        + "const source = new EventSource('/sse/browser-sse');"
        + "source.addEventListener('subscribed', () => window.subscribed++);"
        + "source.onmessage = event => window.received.push(event.lastEventId + ' ' + event.data); true");
    await().atMost(Duration.ofSeconds(20)).until(() -> Integer.valueOf(1).equals(
        ((Number) tab.eval("window.subscribed")).intValue()));

    Object created = tab.eval("fetch('/api/rooms/browser-sse/messages', {method: 'POST',"
        + " headers: {'Content-Type': 'application/json'}, body: JSON.stringify({text: 'hi'})})"
        + ".then(response => response.json()).then(json => json.epoch + ':' + json.seq)");

    await().until(() -> ((Number) tab.eval("window.received.length")).intValue() == 1);
    assertThat(tab.eval("window.received[0]")).isEqualTo(created
        + " {\"type\":\"message\",\"room\":\"browser-sse\",\"seq\":" + created.toString().split(":")[1]
        + ",\"data\":{\"text\":\"hi\"}}");
  }
}
