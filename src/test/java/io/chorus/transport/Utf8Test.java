package io.chorus.transport;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class Utf8Test {

  @Test
  void acceptsWellFormedText() {
    assertThat(valid("plain ascii")).isTrue();
    assertThat(valid("é ß 你好 👋🏽 \u0000 \uFFFF")).isTrue();
    assertThat(valid("")).isTrue();
  }

  @Test
  void rejectsMalformedSequences() {
    assertThat(valid(0xC3, 0x28)).as("bad continuation").isFalse();
    assertThat(valid(0xC0, 0xAF)).as("overlong slash").isFalse();
    assertThat(valid(0xE0, 0x80, 0xAF)).as("overlong three bytes").isFalse();
    assertThat(valid(0xED, 0xA0, 0x80)).as("surrogate U+D800").isFalse();
    assertThat(valid(0xF4, 0x90, 0x80, 0x80)).as("above U+10FFFF").isFalse();
    assertThat(valid(0xF8, 0x88, 0x80, 0x80, 0x80)).as("five-byte form").isFalse();
    assertThat(valid(0xE2, 0x82)).as("truncated").isFalse();
    assertThat(valid(0x80)).as("lone continuation").isFalse();
  }

  private static boolean valid(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return Utf8.isValid(bytes, bytes.length);
  }

  private static boolean valid(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return Utf8.isValid(bytes, bytes.length);
  }
}
