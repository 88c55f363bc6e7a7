package io.chorus.transport;

import io.chorus.hub.Envelope;
import io.chorus.hub.Message;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A one-room stream's message as one HTTP/1.1 chunk (RFC 9112 7.1: size in hex, CRLF, data, CRLF) holding the SSE
 * event with its id, of exactly the length the encoding announces.
 */
class SseChunkEncodingTest {

  private final UnpooledByteBufAllocator allocator = new UnpooledByteBufAllocator(false);

  private static String chunk(Envelope envelope, UnpooledByteBufAllocator allocator) {
    Message message = Message.of(envelope, allocator);
    ByteBuf bytes = message.encodedAs(SseChunkEncoding.INSTANCE);
    assertThat(bytes.readableBytes()).as("announced length").isEqualTo(SseChunkEncoding.INSTANCE.length(envelope));
    String text = bytes.toString(StandardCharsets.UTF_8);
    message.release();
    return text;
  }

  /** The chunk's data, after checking that its size line counts its bytes and that CRLF closes it. */
  private static String data(String chunk) {
    int sizeEnd = chunk.indexOf("\r\n");
    int size = Integer.parseInt(chunk.substring(0, sizeEnd), 16);
    byte[] rest = chunk.substring(sizeEnd + 2).getBytes(StandardCharsets.UTF_8);
    assertThat(rest.length).as("size line").isEqualTo(size + 2);
    assertThat(new String(rest, size, 2, StandardCharsets.US_ASCII)).isEqualTo("\r\n");
    return new String(rest, 0, size, StandardCharsets.UTF_8);
  }

  @Test
  void aMessageIsOneChunkHoldingTheEventWithItsPositionAsId() {
    String chunk = chunk(new Envelope("news", "{\"a\":1}".getBytes(StandardCharsets.UTF_8), Envelope.Kind.JSON, 0,
        "97ca8664067b86d1", 42), allocator);

    assertThat(data(chunk)).isEqualTo("id: 97ca8664067b86d1:42\nevent: message\n"
        + "data: {\"type\":\"message\",\"room\":\"news\",\"seq\":42,\"data\":{\"a\":1}}\n\n");
  }

  @Test
  void sizesAcrossHexDigitsAndMultiByteTextAgreeWithTheBytes() {
    for (int length : new int[] {0, 1, 150, 4_000, 70_000}) {
      String text = "é".repeat(length);
      for (long seq : new long[] {1, 9, 10, 123_456_789_012L}) {
        String chunk = chunk(new Envelope("r", text.getBytes(StandardCharsets.UTF_8), Envelope.Kind.TEXT, 0, "e", seq),
            allocator);

        assertThat(data(chunk)).startsWith("id: e:" + seq + "\nevent: message\ndata: ").endsWith("\"}\n\n");
      }
    }
  }

  @Test
  void lineBreaksInJsonStayOnTheDataLine() {
    String chunk = chunk(new Envelope("r", "{\"a\":\r\n1}".getBytes(StandardCharsets.UTF_8), Envelope.Kind.JSON, 0,
        "e", 3), allocator);

    assertThat(data(chunk)).isEqualTo("id: e:3\nevent: message\ndata: {\"type\":\"message\",\"room\":\"r\",\"seq\":3,"
        + "\"data\":{\"a\":  1}}\n\n");
  }
}
