package io.chorus;

import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The plain-mode protocol of the seed tutorial: welcome, then every frame to everyone in the room. */
class PlainProtocolIT {

  // The order test sends a burst of 500 messages from one client; LimitsIT covers the rate limit.
  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--rate-limit", "0");

  @Test
  void welcomeMessageIsTheFirstTextFrame() throws Exception {
    TestSocket socket = server.clients().connect("/ws/welcome");

    assertThat(socket.all()).hasSize(1);
    assertThat(socket.all().get(0).binary()).isFalse();
    assertThat(socket.all().get(0).text()).isEqualTo(TestSocket.WELCOME);
  }

  @Test
  void broadcastReachesEveryConnectionInTheRoomIncludingTheSender() throws Exception {
    List<TestSocket> sockets = server.clients().connect("/ws/broadcast", 3);

    sockets.get(0).send("hello, room");

    for (TestSocket socket : sockets) {
      await().until(() -> socket.texts().equals(List.of("hello, room")));
    }
  }

  @Test
  void textStaysTextAndBinaryStaysBinaryByteForByte() throws Exception {
    List<TestSocket> sockets = server.clients().connect("/ws/frame-types", 2);
    byte[] binary = {0, 1, 2, (byte) 0xFF, (byte) 0xC3, 0x28};

    sockets.get(0).send("plain text");
    sockets.get(0).send(binary);

    await().until(() -> sockets.get(1).messageCount() == 2);
    List<TestSocket.Received> received = sockets.get(1).messages();
    assertThat(received.get(0).binary()).isFalse();
    assertThat(received.get(0).text()).isEqualTo("plain text");
    assertThat(received.get(1).binary()).isTrue();
    assertThat(received.get(1).data()).isEqualTo(binary);
  }

  @Test
  void unicodeArrivesUnchanged() throws Exception {
    List<TestSocket> sockets = server.clients().connect("/ws/unicode", 2);
    String text = "héllo wörld — 你好, мир 👋🏽 \u0000 end";

    sockets.get(0).send(text);

    await().until(() -> sockets.get(1).texts().equals(List.of(text)));
  }

  @Test
  void roomsAreIsolated() throws Exception {
    TestSocket red = server.clients().connect("/ws/red");
    TestSocket blue = server.clients().connect("/ws/blue");

    red.send("for red only");
    blue.send("for blue only");

    await().until(() -> red.messageCount() == 1 && blue.messageCount() == 1);
    assertThat(red.texts()).containsExactly("for red only");
    assertThat(blue.texts()).containsExactly("for blue only");
  }

  @Test
  void rootAndWsAndWsLobbyAreTheSameRoom() throws Exception {
    TestSocket root = server.clients().connect("/");
    TestSocket ws = server.clients().connect("/ws");
    TestSocket lobby = server.clients().connect("/ws/lobby");

    root.send("one lobby");

    for (TestSocket socket : List.of(root, ws, lobby)) {
      await().until(() -> socket.texts().contains("one lobby"));
    }
  }

  @Test
  void fragmentedMessageIsReassembledBeforeBroadcast() throws Exception {
    TestSocket receiver = server.clients().connect("/ws/fragments");
    try (RawWebSocket sender = RawWebSocket.connect(server.port(), "/ws/fragments")) {
      assertThat(sender.status()).isEqualTo(101);
      assertThat(sender.read().text()).isEqualTo(TestSocket.WELCOME);

      sender.send(RawWebSocket.TEXT, false, "Hel".getBytes(StandardCharsets.UTF_8));
      sender.send(RawWebSocket.PING, true, new byte[0]);
      sender.send(RawWebSocket.CONTINUATION, false, "lo, ".getBytes(StandardCharsets.UTF_8));
      sender.send(RawWebSocket.CONTINUATION, true, "fragments".getBytes(StandardCharsets.UTF_8));

      RawWebSocket.Frame pong = sender.read();
      assertThat(pong.opcode()).isEqualTo(RawWebSocket.PONG);
      RawWebSocket.Frame echo = sender.read();
      assertThat(echo.opcode()).isEqualTo(RawWebSocket.TEXT);
      assertThat(echo.fin()).isTrue();
      assertThat(echo.text()).isEqualTo("Hello, fragments");
    }
    await().until(() -> receiver.texts().equals(List.of("Hello, fragments")));
  }

  @ParameterizedTest(name = "close code {0} is echoed")
  @ValueSource(ints = {1000, 1001, 1003, 1007, 1012, 1014, 3000, 4000, 4999})
  void clientCloseIsAnsweredWithTheSameCode(int code) throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(server.port(), "/ws/closing")) {
      socket.read();

      socket.send(RawWebSocket.CLOSE, true, new byte[] {(byte) (code >>> 8), (byte) code});

      RawWebSocket.Frame answer = socket.readClose();
      assertThat(answer.closeCode()).isEqualTo(code);
      assertThat(socket.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void clientCloseWithoutACodeIsAnsweredWithoutOne() throws Exception {
    try (RawWebSocket socket = RawWebSocket.connect(server.port(), "/ws/closing")) {
      socket.read();

      socket.send(RawWebSocket.CLOSE, true, new byte[0]);

      assertThat(socket.readClose().payload()).isEmpty();
      assertThat(socket.awaitEndOfStream()).isTrue();
    }
  }

  @Test
  void oneSendersMessagesArriveInOrder() throws Exception {
    List<TestSocket> sockets = server.clients().connect("/ws/ordered", 3);
    int count = 500;

    for (int i = 0; i < count; i++) {
      sockets.get(0).sendAsync("message " + i);
    }

    List<String> expected = java.util.stream.IntStream.range(0, count).mapToObj(i -> "message " + i).toList();
    for (TestSocket socket : sockets) {
      await().atMost(Duration.ofSeconds(20)).until(() -> socket.messageCount() == count);
      assertThat(socket.texts()).isEqualTo(expected);
    }
  }
}
