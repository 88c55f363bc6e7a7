package io.chorus.transport;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DecompressorTest {

  @Test
  void aMessageOfExactlyTheMaximumSizeInflatesAndOneByteMoreIsRefused() throws Exception {
    Decompressor decompressor = new Decompressor();

    assertThat(decompressor.inflate(deflate(new byte[1000]), 1000)).hasSize(1000);
    assertThat(decompressor.inflate(deflate(new byte[1001]), 1000)).isNull();
    assertThat(decompressor.inflate(deflate("after a refusal".getBytes(StandardCharsets.UTF_8)), 1000))
        .asString(StandardCharsets.UTF_8).isEqualTo("after a refusal");
  }

  @Test
  void aBombIsStoppedAtTheMaximumWithoutInflatingTheRest() throws Exception {
    byte[] bomb = deflate(new byte[16 << 20]);

    assertThat(bomb.length).isLessThan(20_000);
    assertThat(new Decompressor().inflate(bomb, 64 << 10)).isNull();
  }

  @Test
  void aMessageReferringBackToAnEarlierOneIsRejectedAsEachStartsAfresh() throws Exception {
    Deflater keptContext = new Deflater(6, true);
    Decompressor decompressor = new Decompressor();
    byte[] text = "the same words, twice: the same words, twice".getBytes(StandardCharsets.UTF_8);

    assertThat(decompressor.inflate(deflate(keptContext, text), 1000)).isEqualTo(text);
    assertThatThrownBy(() -> decompressor.inflate(deflate(keptContext, text), 1000))
        .isInstanceOf(DataFormatException.class);
    assertThat(decompressor.inflate(deflate(text), 1000)).as("and the next message, alone, inflates").isEqualTo(text);
  }

  @Test
  void dataThatIsNotDeflateIsRejected() {
    assertThatThrownBy(() -> new Decompressor().inflate(new byte[] {(byte) 0xFF, (byte) 0xFF, 0}, 1000))
        .isInstanceOf(DataFormatException.class);
  }

  private static byte[] deflate(byte[] input) {
    return deflate(new Deflater(9, true), input);
  }

  /** Sync flush, the last four bytes left out (RFC 7692 section 7.2.1). */
  private static byte[] deflate(Deflater deflater, byte[] input) {
    deflater.setInput(input);
    byte[] out = new byte[input.length + 1024];
    int length = deflater.deflate(out, 0, out.length, Deflater.SYNC_FLUSH);
    return Arrays.copyOf(out, length - 4);
  }
}
