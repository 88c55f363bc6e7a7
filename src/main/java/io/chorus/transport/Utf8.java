package io.chorus.transport;

/** Strict UTF-8 validation as RFC 3629 defines it: no overlong forms, no surrogates, nothing above U+10FFFF. */
final class Utf8 {

  private Utf8() {
  }

  static boolean isValid(byte[] bytes, int length) {
    int i = 0;
    while (i < length) {
      int lead = bytes[i];
      if (lead >= 0) {
        i++;
        continue;
      }
      int continuation;
      int codePoint;
      int smallest;
      if ((lead & 0xE0) == 0xC0) {
        continuation = 1;
        codePoint = lead & 0x1F;
        smallest = 0x80;
      } else if ((lead & 0xF0) == 0xE0) {
        continuation = 2;
        codePoint = lead & 0x0F;
        smallest = 0x800;
      } else if ((lead & 0xF8) == 0xF0) {
        continuation = 3;
        codePoint = lead & 0x07;
        smallest = 0x10000;
      } else {
        return false;
      }
      if (i + continuation >= length) {
        return false;
      }
      for (int k = 1; k <= continuation; k++) {
        int next = bytes[i + k];
        if ((next & 0xC0) != 0x80) {
          return false;
        }
        codePoint = (codePoint << 6) | (next & 0x3F);
      }
      if (codePoint < smallest || codePoint > 0x10FFFF || (codePoint >= 0xD800 && codePoint <= 0xDFFF)) {
        return false;
      }
      i += continuation + 1;
    }
    return true;
  }
}
