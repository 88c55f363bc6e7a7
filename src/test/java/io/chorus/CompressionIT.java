package io.chorus;

import io.chorus.support.Bystander;
import io.chorus.support.Peer;
import io.chorus.support.RawWebSocket;
import io.chorus.support.Scrape;
import io.chorus.support.ServerFixture;
import io.chorus.support.TestServer;
import io.chorus.support.TestSocket;
import io.chorus.support.V1Client;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * permessage-deflate (RFC 7692) with {@code --compression}, against independent implementations: the npm ws client,
 * Debian's wsproto as a strict peer, and hand-written frames that show what is on the wire (RSV1, the compressed
 * bytes) and what a hostile client may send (a zip bomb, reserved bits).
 */
class CompressionIT {

  private static final String OFFER = "permessage-deflate; client_max_window_bits";
  private static final String ANSWER = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
  private static final int FIN = 0x80;
  private static final int RSV1 = 0x40;

  @RegisterExtension
  static final ServerFixture server = ServerFixture.with("--compression", "true", "--max-message-size", "64KiB",
      "--rate-limit", "0");

  @Test
  void theNodeWsClientAndWsprotoSendAndReceiveCompressedMessagesWhileARawClientInTheRoomGetsPlainFrames()
      throws Exception {
    String room = "/ws/interop";
    try (RawWebSocket compressing = RawWebSocket.connect(server.port(), room,
             Map.of("Sec-WebSocket-Extensions", OFFER));
         RawWebSocket plain = RawWebSocket.connect(server.port(), room);
         Peer node = Peer.nodeWs(server.port(), room, true);
         Peer python = Peer.wsproto(server.port(), room, true)) {
      assertThat(compressing.header("Sec-WebSocket-Extensions")).isEqualTo(ANSWER);
      assertThat(plain.header("Sec-WebSocket-Extensions")).isNull();
      assertThat(node.awaitOpen()).isEqualTo("permessage-deflate");
      assertThat(python.awaitOpen()).isEqualTo("permessage-deflate");
      assertThat(readText(compressing)).isEqualTo(TestSocket.WELCOME);
      assertThat(plain.read().text()).isEqualTo(TestSocket.WELCOME);
      await().until(() -> node.texts().size() == 1 && python.texts().size() == 1);

      // Each twice: a peer that kept its context despite client_no_context_takeover would send the second as a
      // reference to the first, which the server could not inflate (1002).
      String fromNode = ticker("node");
      node.send(fromNode);
      node.send(fromNode);
      String fromPython = ticker("python");
      await().until(() -> node.texts().stream().filter(fromNode::equals).count() == 2);
      python.send(fromPython);
      python.send(fromPython);

      for (String sent : List.of(fromNode, fromNode, fromPython, fromPython)) {
        RawWebSocket.Frame compressed = compressing.read();
        assertThat(compressed.rsv1()).as("one compressed frame for every compressing connection").isTrue();
        assertThat(compressed.payload().length).isLessThan(sent.length() / 2);
        assertThat(inflate(compressed.payload())).isEqualTo(sent);
        RawWebSocket.Frame uncompressed = plain.read();
        assertThat(uncompressed.rsv1()).isFalse();
        assertThat(uncompressed.text()).isEqualTo(sent);
      }
      await().until(() -> node.texts().containsAll(List.of(fromNode, fromPython))
          && python.texts().containsAll(List.of(fromNode, fromPython)));
      await().until(() -> Scrape.of(server.managementPort())
          .sum("chorus_websocket_frame_bytes_total", "compressed=\"true\"") > 0);
    }
  }

  @Test
  void aMessageBelowTheMinimumSizeGoesUncompressedEvenToACompressingConnection() throws Exception {
    try (RawWebSocket compressing = RawWebSocket.connect(server.port(), "/ws/small",
        Map.of("Sec-WebSocket-Extensions", OFFER))) {
      assertThat(readText(compressing)).isEqualTo(TestSocket.WELCOME);

      compressing.sendText("short");

      RawWebSocket.Frame frame = compressing.read();
      assertThat(frame.rsv1()).isFalse();
      assertThat(frame.text()).isEqualTo("short");
    }
  }

  @Test
  void chorusV1MessagesAreCompressedOnceForCompressingSubscribers() throws Exception {
    try (RawWebSocket compressing = RawWebSocket.connect(server.port(), "/ws/v1-deflate",
        Map.of("Sec-WebSocket-Extensions", OFFER, "Sec-WebSocket-Protocol", V1Client.PROTOCOL))) {
      assertThat(compressing.header("Sec-WebSocket-Extensions")).isEqualTo(ANSWER);
      assertThat(new JsonObject(readText(compressing)).getString("type")).isEqualTo("welcome");
      V1Client publisher = V1Client.connect(server.clients(), "/ws/v1-deflate");
      String data = ticker("v1");

      publisher.publish("v1-deflate", new JsonObject(data));

      RawWebSocket.Frame frame = compressing.read();
      while (!frame.rsv1()) {
        frame = compressing.read();
      }
      JsonObject message = new JsonObject(inflate(frame.payload()));
      assertThat(message.getString("type")).isEqualTo("message");
      assertThat(message.getJsonObject("data")).isEqualTo(new JsonObject(data));
    }
  }

  @Test
  void aClientToldToKeepNoContextThatRefersBackToAnEarlierMessageIsClosed1002() throws Exception {
    try (Bystander bystander = Bystander.join(server.clients(), "/ws/context-bystander");
        RawWebSocket compressing = RawWebSocket.connect(server.port(), "/ws/context",
            Map.of("Sec-WebSocket-Extensions", OFFER))) {
      assertThat(compressing.header("Sec-WebSocket-Extensions")).contains("client_no_context_takeover");
      assertThat(readText(compressing)).isEqualTo(TestSocket.WELCOME);
      Deflater keptContext = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
      String first = ticker("first");

      compressing.sendRaw(FIN | RSV1 | RawWebSocket.TEXT, deflate(keptContext, first), true);
      byte[] referringBack = deflate(keptContext, first);
      compressing.sendRaw(FIN | RSV1 | RawWebSocket.TEXT, referringBack, true);

      assertThat(referringBack.length).as("the second message refers to the first").isLessThan(20);
      assertThat(inflate(compressing.read().payload())).isEqualTo(first);
      assertThat(compressing.readClose().closeCode()).isEqualTo(1002);
      bystander.assertUnharmed();
    }
  }

  @Test
  void aCompressedMessageMayComeInFragmentsWithRsv1OnTheFirstOnly() throws Exception {
    try (RawWebSocket compressing = RawWebSocket.connect(server.port(), "/ws/fragments",
        Map.of("Sec-WebSocket-Extensions", "permessage-deflate; client_no_context_takeover"))) {
      assertThat(compressing.header("Sec-WebSocket-Extensions"))
          .isEqualTo(ANSWER);
      assertThat(readText(compressing)).isEqualTo(TestSocket.WELCOME);
      String sent = ticker("fragments");
      byte[] compressed = deflate(new Deflater(Deflater.DEFAULT_COMPRESSION, true), sent);
      int half = compressed.length / 2;

      compressing.sendRaw(RSV1 | RawWebSocket.TEXT, Arrays.copyOfRange(compressed, 0, half), true);
      compressing.sendRaw(FIN | RawWebSocket.CONTINUATION, Arrays.copyOfRange(compressed, half, compressed.length),
          true);

      assertThat(inflate(compressing.read().payload())).isEqualTo(sent);
    }
  }

  @Test
  void aZipBombIsRefusedWith1009AndTheRoomIsUnharmed() throws Exception {
    double tooBigBefore = Scrape.of(server.managementPort()).sum("chorus_disconnects_total", "code=\"1009\"");
    try (Bystander bystander = Bystander.join(server.clients(), "/ws/bomb");
         RawWebSocket bomber = RawWebSocket.connect(server.port(), "/ws/bomb",
             Map.of("Sec-WebSocket-Extensions", OFFER))) {
      assertThat(readText(bomber)).isEqualTo(TestSocket.WELCOME);
      // 64 MiB of zeros deflate to about 64 KiB; 4 MiB, to about 4 KiB, well under the 64 KiB a message may take.
      byte[] bomb = deflate(new Deflater(Deflater.BEST_COMPRESSION, true),
          new String(new byte[4 << 20], StandardCharsets.US_ASCII));
      assertThat(bomb.length).isLessThan(8 << 10);

      bomber.sendRaw(FIN | RSV1 | RawWebSocket.TEXT, bomb, true);

      RawWebSocket.Frame close = bomber.readClose();
      assertThat(close.closeCode()).isEqualTo(1009);
      assertThat(bomber.endsWithoutReset()).isTrue();
      bystander.assertUnharmed();
    }
    await().until(() -> Scrape.of(server.managementPort()).sum("chorus_disconnects_total", "code=\"1009\"")
        == tooBigBefore + 1);
  }

  @Test
  void reservedBitsTheExtensionDoesNotUseAndDataThatIsNotDeflateCloseTheConnection() throws Exception {
    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    assertClosedWith(1002, "/ws/rsv2", s -> s.sendRaw(FIN | 0x20 | RawWebSocket.TEXT, hello, true));
    assertClosedWith(1002, "/ws/rsv1-ping", s -> s.sendRaw(FIN | RSV1 | RawWebSocket.PING, hello, true));
    assertClosedWith(1002, "/ws/rsv1-continuation", s -> {
      s.sendRaw(RawWebSocket.TEXT, hello, true);
      s.sendRaw(FIN | RSV1 | RawWebSocket.CONTINUATION, hello, true);
    });
    assertClosedWith(1002, "/ws/not-deflate",
        s -> s.sendRaw(FIN | RSV1 | RawWebSocket.TEXT, new byte[] {(byte) 0xFF, (byte) 0xFF, 0x00}, true));
  }

  @Test
  void rsv1FromAClientThatDidNotNegotiateIsAProtocolError() throws Exception {
    try (RawWebSocket plain = RawWebSocket.connect(server.port(), "/ws/not-negotiated")) {
      assertThat(plain.read().text()).isEqualTo(TestSocket.WELCOME);

      plain.sendRaw(FIN | RSV1 | RawWebSocket.TEXT, deflate(new Deflater(6, true), ticker("x")), true);

      assertThat(plain.readClose().closeCode()).isEqualTo(1002);
    }
  }

  @Test
  void withCompressionOffTheAnswerNamesNoExtensionAndTheNodeClientSpeaksUncompressed() throws Exception {
    try (TestServer off = TestServer.start();
         RawWebSocket offering = RawWebSocket.connect(off.port(), "/ws/off", Map.of("Sec-WebSocket-Extensions", OFFER));
         Peer node = Peer.nodeWs(off.port(), "/ws/off", true)) {
      assertThat(offering.status()).isEqualTo(101);
      assertThat(offering.header("Sec-WebSocket-Extensions")).isNull();
      assertThat(node.awaitOpen()).isEqualTo("-");
      String sent = ticker("off");

      node.send(sent);

      assertThat(offering.read().text()).isEqualTo(TestSocket.WELCOME);
      RawWebSocket.Frame frame = offering.read();
      assertThat(frame.rsv1()).isFalse();
      assertThat(frame.text()).isEqualTo(sent);
    }
  }

  interface Violation {
    void send(RawWebSocket socket) throws Exception;
  }

  private static void assertClosedWith(int code, String room, Violation violation) throws Exception {
    try (RawWebSocket offender = RawWebSocket.connect(server.port(), room, Map.of("Sec-WebSocket-Extensions", OFFER))) {
      assertThat(readText(offender)).isEqualTo(TestSocket.WELCOME);

      violation.send(offender);

      assertThat(offender.readClose().closeCode()).as(room).isEqualTo(code);
    }
  }

  /** A text frame's content, inflated when the frame says it is compressed. */
  private static String readText(RawWebSocket socket) throws Exception {
    RawWebSocket.Frame frame = socket.read();
    return frame.rsv1() ? inflate(frame.payload()) : frame.text();
  }

  /** A ticker update of about 1 KB, as a market-data feed would broadcast: JSON that repeats its field names. */
  static String ticker(String source) {
    StringBuilder json = new StringBuilder("{\"source\":\"" + source + "\",\"quotes\":[");
    String[] symbols = {"AAPL", "MSFT", "GOOG", "AMZN", "META", "NVDA", "TSLA", "NFLX", "ORCL", "INTC", "AMD", "IBM"};
    for (int i = 0; i < symbols.length; i++) {
      json.append(i == 0 ? "" : ",").append("{\"symbol\":\"").append(symbols[i]).append("\",\"bid\":")
          .append(100 + i * 7.25).append(",\"ask\":").append(100.5 + i * 7.25).append(",\"volume\":")
          .append(1_000_000 + i * 31_337).append('}');
    }
    return json.append("]}").toString();
  }

  /** Compresses as a client would (RFC 7692 section 7.2.1): sync flush, the last four bytes left out. */
  private static byte[] deflate(Deflater deflater, String text) {
    deflater.setInput(text.getBytes(StandardCharsets.UTF_8));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    int written;
    do {
      written = deflater.deflate(buffer, 0, buffer.length, Deflater.SYNC_FLUSH);
      out.write(buffer, 0, written);
    } while (written == buffer.length);
    byte[] bytes = out.toByteArray();
    return Arrays.copyOf(bytes, bytes.length - 4);
  }

  private static String inflate(byte[] payload) throws DataFormatException {
    Inflater inflater = new Inflater(true);
    byte[] input = Arrays.copyOf(payload, payload.length + 4);
    input[payload.length + 2] = (byte) 0xFF;
    input[payload.length + 3] = (byte) 0xFF;
    inflater.setInput(input);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    while (!inflater.needsInput()) {
      out.write(buffer, 0, inflater.inflate(buffer));
    }
    inflater.end();
    return out.toString(StandardCharsets.UTF_8);
  }
}
