package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** chorus.v1 under the drop policy: a reader that falls behind loses messages, but never without a gap push. */
class ChorusV1SlowReaderIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--slow-consumer-policy", "drop", "--rate-limit", "0",
      "--max-pending-output", "64KiB");

  @Test
  void messagesSkippedForASlowReaderAreAnnouncedWithAGapBeforeTheNextOne() throws Exception {
    try (RawWebSocket slow = RawWebSocket.connectWithReceiveBuffer(server.port(), "/ws/drops", 4096,
        Map.of("Sec-WebSocket-Protocol", "chorus.v1"))) {
      assertThat(new JsonObject(slow.read().text()).getString("type")).isEqualTo("welcome");
      assertThat(new JsonObject(slow.read().text()).getString("type")).isEqualTo("subscribed");
      V1Client publisher = V1Client.connect(server.clients(), "/ws");
      // 9 MB: more than the output bound and every kernel buffer between the server and the reader hold.
      String filler = "x".repeat(30_000);
      for (int i = 0; i < 300; i++) {
        publisher.socket().sendAsync(new JsonObject().put("type", "publish").put("room", "drops")
            .put("data", filler + i).encode());
      }
      long last = publisher.publish("drops", "last of the burst").getLong("seq");
      // The server writes to the socket as long as the kernel takes it, which may be megabytes: the reader reads
      // only once its output is over the bound and messages are being skipped for it.
      await().until(() -> Scrape.of(server.managementPort())
          .value("chorus_messages_dropped_total{reason=\"slow_consumer\"}") >= 1);

      List<JsonObject> seen = new ArrayList<>();
      slow.setReadTimeout(1_000);
      try {
        while (true) {
          seen.add(new JsonObject(slow.read().text()));
        }
      } catch (SocketTimeoutException drained) {
        slow.setReadTimeout(10_000);
      }
      publisher.publish("drops", "the end");
      while (seen.isEmpty() || !"the end".equals(seen.get(seen.size() - 1).getValue("data"))) {
        seen.add(new JsonObject(slow.read().text()));
      }

      long position = 0;
      int gaps = 0;
      for (JsonObject pushed : seen) {
        if (pushed.getString("type").equals("gap")) {
          assertThat(pushed.getLong("seq")).isGreaterThan(position);
          position = pushed.getLong("seq");
          gaps++;
        } else {
          assertThat(pushed.getLong("seq")).as("no hole without a gap push").isEqualTo(position + 1);
          position = pushed.getLong("seq");
        }
      }
      assertThat(gaps).as("the reader fell behind").isPositive();
      assertThat(position).isEqualTo(last + 1);
    }
  }
}
