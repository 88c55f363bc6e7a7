package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestSocket;
import io.vertx.core.json.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A real Chromium negotiates permessage-deflate with {@code --compression}, sends its messages compressed and reads
 * the compressed broadcasts, while a client without the extension in the same room reads plain frames.
 */
class CompressionBrowserIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--compression", "true");
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
  void chromiumSendsAndReceivesCompressedMessagesAndAPlainClientInTheRoomGetsUncompressedFrames() throws Exception {
    Browser.Tab tab = browser.open("http://127.0.0.1:" + server.port() + "/", "");
    await().atMost(Duration.ofSeconds(20)).until(() -> "Chorus Chat".equals(tab.eval("document.title")));
    try (RawWebSocket plain = RawWebSocket.connect(server.port(), "/ws/browser-deflate")) {
      assertThat(plain.read().text()).isEqualTo(TestSocket.WELCOME);
      Object extensions = tab.eval("new Promise(opened => {"
          + " window.received = [];"
          + " window.socket = new WebSocket('ws://127.0.0.1:" + server.port() + "/ws/browser-deflate');"
          + " socket.onmessage = event => window.received.push(event.data);"
          + " socket.onopen = () => opened(socket.extensions); })");
      assertThat(extensions).isEqualTo("permessage-deflate; server_no_context_takeover; client_no_context_takeover");
      String sent = CompressionIT.ticker("chromium");

      // Twice the same: a browser that kept its context would send the second as a reference to the first.
      tab.eval("socket.send(" + Json.encode(sent) + "); socket.send(" + Json.encode(sent) + "); true");

      for (int copy = 0; copy < 2; copy++) {
        RawWebSocket.Frame frame = plain.read();
        assertThat(frame.rsv1()).isFalse();
        assertThat(frame.text()).isEqualTo(sent);
      }
      await().until(() -> ((Number) tab.eval("window.received.length")).intValue() == 3);
      assertThat(tab.eval("JSON.stringify(window.received)"))
          .isEqualTo(Json.encode(List.of(TestSocket.WELCOME, sent, sent)));
    }
  }
}
