package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.TestClients;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Fan-out at scale, across event loops, with clients that come and go. */
class FanOutIT {

  @Test
  void thousandConnectionsOnFourEventLoopsReceiveEveryBroadcastExactlyOnceAndInOrder() throws Exception {
    int connections = 1_000;
    int senders = 10;
    int messagesPerSender = 2;
    try (TestServer server = TestServer.start("--instances", "4");
         TestClients clients = new TestClients(server.port())) {
      List<TestSocket> sockets = clients.connect("/ws/big-room", connections);

      for (int round = 0; round < messagesPerSender; round++) {
        for (int sender = 0; sender < senders; sender++) {
          sockets.get(sender).sendAsync("sender-" + sender + " #" + round);
        }
      }

      int expected = senders * messagesPerSender;
      await().atMost(Duration.ofSeconds(60))
          .until(() -> sockets.stream().allMatch(socket -> socket.messageCount() >= expected));
      int deliveries = 0;
      for (TestSocket socket : sockets) {
        List<String> texts = socket.texts();
        assertThat(texts).hasSize(expected).doesNotHaveDuplicates();
        assertInOrderPerSender(texts);
        deliveries += texts.size();
      }
      assertThat(deliveries).isEqualTo(connections * expected);
    }
  }

  @Test
  void vanishedClientIsCleanedUpAndLaterBroadcastsStillReachTheOthers() throws Exception {
    try (TestServer server = TestServer.start("--instances", "2");
         TestClients clients = new TestClients(server.port())) {
      List<TestSocket> survivors = clients.connect("/ws/vanishing", 4);
      List<RawWebSocket> vanishing = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        RawWebSocket socket = RawWebSocket.connect(server.port(), "/ws/vanishing");
        assertThat(socket.read().text()).isEqualTo(TestSocket.WELCOME);
        vanishing.add(socket);
      }

      for (RawWebSocket socket : vanishing) {
        socket.reset();
      }
      for (int i = 0; i < 50; i++) {
        survivors.get(i % survivors.size()).sendAsync("after the reset " + i);
      }

      for (TestSocket survivor : survivors) {
        await().until(() -> survivor.messageCount() == 50);
        assertThat(survivor.texts()).doesNotHaveDuplicates();
      }
    }
  }

  private static void assertInOrderPerSender(List<String> texts) {
    Map<String, Integer> lastRound = new HashMap<>();
    for (String text : texts) {
      String sender = text.substring(0, text.indexOf(' '));
      int round = Integer.parseInt(text.substring(text.indexOf('#') + 1));
      Integer previous = lastRound.put(sender, round);
      assertThat(previous == null ? -1 : previous).as("order of %s", sender).isLessThan(round);
    }
  }
}
