package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.RawWebSocket;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Frames that break RFC 6455, sent over a raw TCP socket: each ends that connection with the RFC's close code, and
 * the server goes on serving everyone else.
 */
class ProtocolViolationIT {

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--max-message-size", "1KiB");

  /** What the bad client sends after the welcome. */
  interface Violation {
    void send(RawWebSocket socket) throws IOException;
  }

  static Stream<Arguments> violations() {
    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    return Stream.of(
        Arguments.of("reserved data opcode", 1002, (Violation) s -> s.sendRaw(0x80 | 0x3, hello, true)),
        Arguments.of("reserved control opcode", 1002, (Violation) s -> s.sendRaw(0x80 | 0xB, hello, true)),
        Arguments.of("reserved bit set", 1002, (Violation) s -> s.sendRaw(0x80 | 0x40 | RawWebSocket.TEXT, hello, true)),
        Arguments.of("unmasked client frame", 1002, (Violation) s -> s.sendRaw(0x80 | RawWebSocket.TEXT, hello, false)),
        Arguments.of("control frame over 125 bytes", 1002, (Violation) s -> s.send(RawWebSocket.PING, true, new byte[126])),
        Arguments.of("fragmented control frame", 1002, (Violation) s -> s.send(RawWebSocket.PING, false, hello)),
        Arguments.of("continuation without a start", 1002,
            (Violation) s -> s.send(RawWebSocket.CONTINUATION, true, hello)),
        Arguments.of("new message inside a fragmented one", 1002, (Violation) s -> {
          s.send(RawWebSocket.TEXT, false, hello);
          s.send(RawWebSocket.TEXT, true, hello);
        }),
        Arguments.of("close frame with a one-byte body", 1002, (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[1])),
        Arguments.of("close frame with code 999", 1002,
            (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xE7})),
        Arguments.of("close frame with code 1006", 1002,
            (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[] {0x03, (byte) 0xEE})),
        Arguments.of("close frame with code 2999", 1002,
            (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[] {0x0B, (byte) 0xB7})),
        Arguments.of("close frame with code 5000", 1002,
            (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[] {0x13, (byte) 0x88})),
        Arguments.of("close frame with code 65535", 1002,
            (Violation) s -> s.send(RawWebSocket.CLOSE, true, new byte[] {(byte) 0xFF, (byte) 0xFF})),
        Arguments.of("frame larger than the maximum message", 1009,
            (Violation) s -> s.send(RawWebSocket.BINARY, true, new byte[1025])),
        Arguments.of("fragments adding up to more than the maximum", 1009, (Violation) s -> {
          s.send(RawWebSocket.BINARY, false, new byte[600]);
          s.send(RawWebSocket.CONTINUATION, true, new byte[600]);
        }),
        Arguments.of("text that is not UTF-8", 1007,
            (Violation) s -> s.send(RawWebSocket.TEXT, true, new byte[] {'a', (byte) 0xC3, 0x28})),
        Arguments.of("UTF-8 broken across fragments", 1007, (Violation) s -> {
          s.send(RawWebSocket.TEXT, false, new byte[] {'a', (byte) 0xE2, (byte) 0x82});
          s.send(RawWebSocket.CONTINUATION, true, new byte[] {'b'});
        }));
  }

  @ParameterizedTest(name = "{0} closes with {1}")
  @MethodSource("violations")
  void violationClosesThatConnectionWithItsCodeAndOthersCarryOn(String name, int code, Violation violation)
      throws Exception {
    String room = "/ws/" + name.replace(' ', '-');
    List<TestSocket> bystanders = server.clients().connect(room, 2);
    try (RawWebSocket offender = RawWebSocket.connect(server.port(), room)) {
      assertThat(offender.read().text()).isEqualTo(TestSocket.WELCOME);

      violation.send(offender);

      RawWebSocket.Frame close = offender.readClose();
      assertThat(close.closeCode()).isEqualTo(code);
      assertThat(close.closeReason()).isNotEmpty();
      if (code == 1009 || code == 1007) {
        // An honest client may still be sending: the server shuts its side and reads on, so that no reset destroys
        // the close frame it was sent.
        assertThat(offender.endsWithoutReset()).isTrue();
      } else {
        assertThat(offender.awaitEndOfStream()).isTrue();
      }
    }
    bystanders.get(0).send("still here");
    await().until(() -> bystanders.get(1).texts().equals(List.of("still here")));
  }

  @Test
  void clientStillSendingAnOversizeMessageGetsItsCloseFrameAndAnOrderlyEndNotAReset() throws Exception {
    try (RawWebSocket sender = RawWebSocket.connect(server.port(), "/ws/oversize-stream")) {
      assertThat(sender.read().text()).isEqualTo(TestSocket.WELCOME);
      byte[] frame = RawWebSocket.frame(0x80 | RawWebSocket.BINARY, new byte[4 << 20]);
      CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
        try {
          sender.sendBytes(frame);
        } catch (IOException refused) {
          throw new UncheckedIOException(refused);
        }
      });

      RawWebSocket.Frame close = sender.readClose();

      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(sender.endsWithoutReset()).isTrue();
      assertThat(sending).as("the server read the rest of what was sent").succeedsWithin(Duration.ofSeconds(10));
    }
  }

  @Test
  void pingSentWithTheUpgradeRequestIsAnsweredAfterThe101() throws Exception {
    byte[] ping = RawWebSocket.frame(0x80 | RawWebSocket.PING, "early".getBytes(StandardCharsets.UTF_8));
    try (RawWebSocket eager = RawWebSocket.connectSending(server.port(), "/ws/eager-ping", ping)) {
      assertThat(eager.status()).isEqualTo(101);
      RawWebSocket.Frame frame = eager.read();
      while (frame.opcode() != RawWebSocket.PONG) {
        assertThat(frame.text()).isEqualTo(TestSocket.WELCOME);
        frame = eager.read();
      }
      assertThat(frame.text()).isEqualTo("early");
    }
  }

  @Test
  void brokenFrameSentWithTheUpgradeRequestGets101ThenClose1002() throws Exception {
    try (Bystander bystander = Bystander.join(server.clients(), "/ws/eager-broken")) {
      byte[] reservedOpcode = RawWebSocket.frame(0x80 | 0x3, "hello".getBytes(StandardCharsets.UTF_8));
      try (RawWebSocket eager = RawWebSocket.connectSending(server.port(), "/ws/eager-broken", reservedOpcode)) {
        assertThat(eager.status()).isEqualTo(101);
        assertThat(eager.readClose().closeCode()).isEqualTo(1002);
        assertThat(eager.awaitEndOfStream()).isTrue();
      }
      bystander.assertUnharmed();
    }
  }

  @ParameterizedTest(name = "{0} is accepted")
  @MethodSource("validEdgeCases")
  void validEdgeCasesAreBroadcast(String name, Violation frames, String expected) throws Exception {
    String room = "/ws/edge-" + name.replace(' ', '-');
    TestSocket receiver = server.clients().connect(room);
    try (RawWebSocket sender = RawWebSocket.connect(server.port(), room)) {
      sender.read();
      frames.send(sender);
      await().until(() -> receiver.texts().equals(List.of(expected)));
    }
  }

  static Stream<Arguments> validEdgeCases() {
    return Stream.of(
        Arguments.of("multi-byte character split across fragments", (Violation) s -> {
          s.send(RawWebSocket.TEXT, false, new byte[] {'a', (byte) 0xE2, (byte) 0x82});
          s.send(RawWebSocket.CONTINUATION, true, new byte[] {(byte) 0xAC, 'b'});
        }, "a€b"),
        Arguments.of("message of exactly the maximum size in fragments", (Violation) s -> {
          s.send(RawWebSocket.TEXT, false, "x".repeat(512).getBytes(StandardCharsets.UTF_8));
          s.send(RawWebSocket.CONTINUATION, true, "y".repeat(512).getBytes(StandardCharsets.UTF_8));
        }, "x".repeat(512) + "y".repeat(512)),
        Arguments.of("empty text message", (Violation) s -> s.send(RawWebSocket.TEXT, true, new byte[0]), ""));
  }
}
