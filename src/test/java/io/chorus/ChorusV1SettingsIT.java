package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.ServerFixture;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** chorus.v1 with history off and a tight rate limit: numbering still works, resume says what it cannot do. */
class ChorusV1SettingsIT {

  @RegisterExtension
  // The rate limit lets the bystander's 20 messages a second through, and not a burst of 60 commands.
  static final ServerFixture server = ServerFixture.with("--history-size", "0", "--rate-limit", "25",
      "--rate-limit-burst", "20");

  @Test
  void withHistoryOffMessagesAreStillNumberedButNothingIsRecovered() throws Exception {
    V1Client client = V1Client.connect(server.clients(), "/ws");
    String epoch = client.subscribe("no-history").getString("epoch");
    client.publish("no-history", "one");
    JsonObject second = client.publish("no-history", "two");

    client.request(new JsonObject().put("type", "unsubscribe").put("room", "no-history"));
    JsonObject resumed = client.resume("no-history", epoch, 1);
    JsonObject history = client.request(new JsonObject().put("type", "history").put("room", "no-history"));

    assertThat(second.getLong("seq")).isEqualTo(2);
    assertThat(resumed.getBoolean("recovered")).isFalse();
    assertThat(resumed.getLong("seq")).isEqualTo(2);
    assertThat(history.getString("code")).isEqualTo("history_unavailable");
    assertThat(client.seqs("no-history")).containsExactly(1L, 2L);
  }

  @Test
  void commandsOverTheRateLimitGetRateLimitedThenTheConnectionIsClosed() throws Exception {
    Bystander bystander = Bystander.join(server.clients(), "/ws/fast-bystander");
    V1Client client = V1Client.connect(server.clients(), "/ws");

    for (int i = 0; i < 60 && !client.socket().isClosed(); i++) {
      client.socket().sendAsync(new JsonObject().put("id", i).put("type", "publish").put("room", "fast")
          .put("data", i).encode());
    }

    await().until(() -> client.socket().isClosed());
    assertThat(client.received()).anyMatch(reply -> "rate_limited".equals(reply.getString("code")));
    assertThat(client.received()).anyMatch(reply -> "ack".equals(reply.getString("type")));
    assertThat(client.socket().closeStatus()).isEqualTo((short) 1008);
    assertThat(client.socket().closeReason()).isEqualTo("rate limit exceeded");
    bystander.assertUnharmed();
  }
}
