package io.chorus;

import io.chorus.support.Browser;
import io.chorus.support.Scrape;
import io.chorus.support.TestCa;
import io.chorus.support.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Chromium loads the chat page over https:// and chats over wss://, as a browser on a TLS deployment does. */
class TlsBrowserIT {

  @TempDir
  Path folder;

  @Test
  void theChatPageServedOverHttpsChatsOverWss() throws Exception {
    Path certificate = folder.resolve("tls.crt");
    Path key = folder.resolve("tls.key");
    TestCa.create().issue(1).writePem(certificate, key);
    // The test's authority is not in Chromium's trust store; the page and its socket still go over TLS.
    try (TestServer server = TestServer.start("--tls-cert", certificate.toString(), "--tls-key", key.toString());
        Browser browser = Browser.launch(List.of("--ignore-certificate-errors"))) {
      String page = "https://127.0.0.1:" + server.port() + "/?room=tls-browser";
      Browser.Tab alice = browser.open(page, "");
      Browser.Tab bob = browser.open(page, "");
      for (Browser.Tab tab : List.of(alice, bob)) {
        await().atMost(Duration.ofSeconds(20)).until(() -> tab.text("#status").equals("connected (WebSocket)"));
      }

      alice.eval("document.getElementById('messageInput').value = 'hello over wss';"
          + "document.getElementById('composer').requestSubmit()");

      await().until(() -> bob.texts("#messages .text").contains("hello over wss"));
      assertThat(alice.eval("location.protocol")).isEqualTo("https:");
      // Both tabs upgraded on the TLS port, which speaks nothing but TLS: their sockets are wss://.
      assertThat(Scrape.of(server.managementPort()).value("chorus_connections{transport=\"websocket\"}"))
          .isEqualTo(2);
    }
  }
}
